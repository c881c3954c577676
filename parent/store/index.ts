export { nodeFileOps, type StoreFileOps } from './file-io.js';
export type { FileStore, FileStoreOptions, FileStoreStats, StoreSessionSummary } from './file-store.js';
export { inspectStore, type StoreInspection } from './inspect.js';
export type { LogPage, LogSnapshotReader } from './log-reader.js';
export { createStoreLogger } from './logger.js';
export { openFileStore } from './open-store.js';
export {
  type RunningStoreServer,
  type StoreServerLog,
  type StoreServerOptions,
  type StoreServerStats,
  serveSealedStore,
} from './server.js';
