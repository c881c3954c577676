export { type AuditEntry, type AuditEvent, AuditLog } from './audit-log.js';
export { SESSION_ERROR_CODES, SessionError, type SessionErrorCode } from './errors.js';
export { type KmsDecrypt, Session, type SessionEnvironment, type SessionPhase } from './session.js';
export { SessionService, type SessionServiceOptions } from './session-service.js';
