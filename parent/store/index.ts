export { nodeFileOps, type StoreFileOps } from './file-io.js';
export {
  type FileStore,
  type FileStoreOptions,
  type FileStoreStats,
  inspectStore,
  openFileStore,
  type StoreInspection,
  type StoreSessionSummary,
} from './file-store.js';
export type { LogPage, LogSnapshotReader } from './log-reader.js';
export { createStoreLogger } from './logger.js';
export {
  type RunningStoreServer,
  type StoreServerLog,
  type StoreServerOptions,
  type StoreServerStats,
  serveSealedStore,
} from './server.js';
