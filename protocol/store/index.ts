export { connectSealedStore, type SealedStoreClientOptions, storeErrorOf } from './client.js';
export { isStoreErrorCode, STORE_ERROR_CODES, StoreError, type StoreErrorCode } from './errors.js';
export {
  type BatchSize,
  checkBatch,
  checkSealKeyBlob,
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  MAX_RECORD_BYTES,
  MAX_SEAL_KEY_BYTES,
  RECORD_HEADER_BYTES,
  type SealedRecord,
  type SealedStore,
  sessionHex,
} from './record.js';
export {
  encodeRecordHeader,
  RecordDecoder,
  type RecordHeader,
  RecordStreamParser,
  type RecordVisitor,
  recordChunks,
  recordPieces,
} from './record-codec.js';
export {
  MAX_BODY_BYTES,
  MAX_INLINE_BODY_BYTES,
  MAX_READ_BYTES,
  parseStoreMessage,
  type StoreRequest,
  storeRequestSchema,
} from './wire.js';
