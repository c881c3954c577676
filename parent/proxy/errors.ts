import { NitroMpcError } from '../../common/errors.js';

/** Every way the parent's proxy refuses to start or refuses a connection, as a stable code. */
export type ProxyErrorCode =
  | 'PROXY_CONFIG_INVALID'
  | 'PROXY_ALLOWLIST_INVALID'
  | 'PROXY_HOST_UNRESOLVED'
  | 'PROXY_LISTEN_FAILED'
  | 'PROXY_EGRESS_REFUSED'
  | 'PROXY_FD_LIMIT';

export class ProxyError extends NitroMpcError<ProxyErrorCode> {}
