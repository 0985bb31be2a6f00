// The demo's one tag, `<script type="module" src="/access-check.js"></script>`: the package's
// own loader (pkg/access-check.js, served at /pkg/ by `access-check serve`), which finds the
// module and the wasm beside itself.
import '../pkg/access-check.js';
