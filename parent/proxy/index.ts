export { type AllowedRemote, isAllowed, parseAllowlist } from './allowlist.js';
export {
  type EgressRoute,
  type ProxyConfig,
  type ProxyOptions,
  parseEgressRoute,
  parseProxyConfig,
} from './config.js';
export { ProxyError, type ProxyErrorCode } from './errors.js';
export { createProxyLogger } from './logger.js';
export { type RunningProxy, startProxy } from './proxy.js';
