// JSX for React 19 (pkg/react.d.ts, `access-check/react`): <access-check> with its attributes,
// its `policy` property and its events as props. Reference it once in the app:
//   /// <reference types="access-check/react" />
// React 19 sets a prop as a property when the element has one (so `policy={compiled}` works
// once define() has run: render after `await init(); define();`), and listens for an event
// named by what follows `on` (`onaccess-check:decision`).
import type { AccessCheckElement, AccessCheckErrorDetail, CompiledPolicy, PolicyDocument, Report } from './access_check.js';
import type { DetailedHTMLProps, HTMLAttributes } from 'react';

export interface AccessCheckProps extends DetailedHTMLProps<HTMLAttributes<AccessCheckElement>, AccessCheckElement> {
  /** A policy object, a compile()d policy, or the policy's URL or `#id`. */
  policy?: PolicyDocument | CompiledPolicy | string;
  tier?: string;
  theme?: 'auto' | 'light' | 'dark';
  layout?: 'full' | 'compact';
  'attestation-endpoint'?: string;
  'token-param'?: string;
  /** Seconds since the epoch (for support consoles, scenarios and tests). */
  now?: number | string;
  'server-time'?: number | string;
  'onaccess-check:decision'?: (event: CustomEvent<Report>) => void;
  'onaccess-check:error'?: (event: CustomEvent<AccessCheckErrorDetail>) => void;
}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'access-check': AccessCheckProps;
    }
  }
}
