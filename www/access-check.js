// One tag defines <access-check>:
//   <script type="module" src="/access-check.js"></script>
// It loads the WebAssembly module from ../pkg/ (served at /pkg/ by `access-check serve`).
import init, { define } from '../pkg/access_check.js';

await init();
define();
