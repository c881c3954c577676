import { bytesToHex } from '../../common/bytes.js';
import { NitroMpcError } from '../../common/errors.js';
import {
  decodeManifest,
  type EnclaveResponse,
  errorResponseOf,
  type PartyRequest,
  parsePartyRequest,
  sessionIdOf,
} from '../../protocol/index.js';
import { PersistenceError, type RestoredJournal, restoreJournals } from '../persistence/index.js';
import { SessionError } from './errors.js';
import { Session, type SessionEnvironment } from './session.js';

export interface SessionServiceOptions extends SessionEnvironment {
  /** Most live (not destroyed) sessions at once; more are refused with `CAPACITY_EXCEEDED`. Default 1024. */
  readonly maxSessions?: number;
  /**
   * Destroyed sessions kept to answer `destroy` (their certificate again) and `status`; beyond this many the
   * oldest are forgotten (then `SESSION_UNKNOWN`), so a long-running enclave's memory stays bounded. Default 1024.
   */
  readonly maxDestroyedSessions?: number;
  /** Told about each refusal (code only) and each internal failure, for logs and metrics; never given inputs. */
  readonly onEvent?: (event: { type: 'refused' | 'internal-error'; code: string; request: string }) => void;
}

/**
 * The enclave's request handler: every party request (already decoded from its frame) in, one response out.
 * Sessions are isolated: a request names its session, and signed requests are checked against that session's
 * manifest, so a party never reaches another party's session.
 */
export class SessionService {
  private readonly sessions = new Map<string, Session>();
  /** Sessions whose stored state failed its checks at restore: every request for them gets that error. */
  private readonly unrestorable = new Map<string, NitroMpcError>();
  private readonly maxSessions: number;
  private readonly maxDestroyedSessions: number;

  constructor(private readonly options: SessionServiceOptions) {
    this.maxSessions = options.maxSessions ?? 1024;
    this.maxDestroyedSessions = options.maxDestroyedSessions ?? 1024;
  }

  /**
   * Live sessions, after forgetting the oldest destroyed ones beyond the limit. Destroyed sessions do not count
   * against `maxSessions`: they used to, so an enclave that had run 1,024 sessions refused every new one.
   */
  private liveSessionsAfterEviction(): number {
    let live = 0;
    const destroyed: string[] = [];
    for (const [id, session] of this.sessions) {
      if (session.phase === 'destroyed') destroyed.push(id);
      else live += 1;
    }
    // Map order is creation order: the oldest destroyed sessions go first.
    for (const id of destroyed.slice(0, Math.max(0, destroyed.length - this.maxDestroyedSessions))) {
      this.sessions.delete(id);
    }
    return live;
  }

  /**
   * With persistence: rebuilds every session from the parent's store (after a restart). A session whose records
   * fail the checks answers every request with the error (`STATE_ROLLBACK`, ...), the others carry on. Returns
   * what was restored, for the log.
   */
  async restore(): Promise<{ restored: number; refused: { sessionId: string; code: string }[] }> {
    const persistence = this.options.persistence;
    if (!persistence) return { restored: 0, refused: [] };
    const journals = await restoreJournals(persistence.store, persistence.sealKey);
    const refused: { sessionId: string; code: string }[] = [];
    for (const journal of journals) {
      const id = bytesToHex(journal.sessionId);
      try {
        const session = await this.restoreOne(journal);
        this.sessions.set(id, session);
        // Destroyed before the restart, but its records may not have been dropped yet.
        if (session.phase === 'destroyed') await session.forgetStored().catch(() => undefined);
      } catch (error) {
        const failure =
          error instanceof NitroMpcError
            ? error
            : new PersistenceError('STATE_UNREADABLE', `this session's stored state could not be rebuilt`, {
                cause: error,
              });
        this.unrestorable.set(id, failure);
        refused.push({ sessionId: id, code: failure.code });
      }
    }
    return { restored: this.sessions.size, refused };
  }

  private async restoreOne(journal: RestoredJournal): Promise<Session> {
    if (!journal.ok) throw journal.error;
    return Session.restore(journal, this.options);
  }

  /** Handles one decoded request; never throws: refusals become error responses with their code. */
  async handle(message: unknown): Promise<EnclaveResponse> {
    let type = 'unknown';
    try {
      const request = parsePartyRequest(message);
      type = request.type;
      return await this.dispatch(request);
    } catch (error) {
      if (error instanceof NitroMpcError) {
        this.options.onEvent?.({ type: 'refused', code: error.code, request: type });
        return errorResponseOf(error);
      }
      this.options.onEvent?.({ type: 'internal-error', code: 'INTERNAL', request: type });
      return { type: 'error', code: 'INTERNAL', message: 'internal error' };
    }
  }

  private session(sessionId: Uint8Array): Session {
    const id = bytesToHex(sessionId);
    const session = this.sessions.get(id);
    if (session) return session;
    const failure = this.unrestorable.get(id);
    if (failure) throw failure;
    throw new SessionError('SESSION_UNKNOWN', 'no session with this id in this enclave');
  }

  private async dispatch(request: PartyRequest): Promise<EnclaveResponse> {
    switch (request.type) {
      case 'create-session': {
        const id = bytesToHex(sessionIdOf(decodeManifest(request.manifest)));
        if (this.sessions.has(id) || this.unrestorable.has(id))
          throw new SessionError('SESSION_EXISTS', 'this manifest already has a session');
        if (this.liveSessionsAfterEviction() >= this.maxSessions) {
          throw new SessionError(
            'CAPACITY_EXCEEDED',
            `this enclave holds ${this.maxSessions} sessions at most`,
          );
        }
        const session = await Session.create(request.manifest, this.options);
        this.sessions.set(session.idHex, session);
        return {
          type: 'session-created',
          sessionId: session.id,
          pendingApprovals: session.pendingApprovals(),
        };
      }
      case 'approve': {
        const session = this.session(request.approval.sessionId);
        const { partyId, open } = await session.approve(request.approval);
        return {
          type: 'approval-recorded',
          sessionId: session.id,
          partyId,
          pendingApprovals: session.pendingApprovals(),
          open,
        };
      }
      case 'attest': {
        const session = this.session(request.sessionId);
        return { type: 'attestation', sessionId: session.id, document: await session.attest(request.nonce) };
      }
      case 'submit-input': {
        const session = this.session(request.sessionId);
        const input = request.input;
        const accepted =
          input.mode === 'hpke' ? await session.submit(input.envelope) : await session.submitKms(input);
        const binding = input.mode === 'hpke' ? input.envelope : input;
        return {
          type: 'input-accepted',
          sessionId: session.id,
          inputName: binding.inputName,
          partyId: binding.partyId,
          round: binding.round,
          commitment: accepted.commitment,
          stateCounter: accepted.counter,
        };
      }
      case 'submit-input-stream': {
        const session = this.session(request.sessionId);
        await session.startStream(request.header);
        // The header is acknowledged as "ready for chunk 0".
        return { type: 'chunk-accepted', sessionId: session.id, index: 0 };
      }
      case 'submit-input-chunk': {
        const session = this.session(request.sessionId);
        const binding = {
          sessionId: request.sessionId,
          inputName: request.inputName,
          partyId: request.partyId,
          round: request.round,
        };
        const accepted = await session.addChunk(binding, request.chunk);
        if (accepted === undefined)
          return { type: 'chunk-accepted', sessionId: session.id, index: request.chunk.index };
        return {
          type: 'input-accepted',
          ...binding,
          sessionId: session.id,
          commitment: accepted.commitment,
          stateCounter: accepted.counter,
        };
      }
      case 'status': {
        const session = this.session(request.sessionId);
        session.authenticate(request);
        await session.evaluateIfDue();
        return {
          type: 'status',
          sessionId: session.id,
          ...session.status(),
          window: session.manifest.window,
          pendingApprovals: session.pendingApprovals(),
          at: this.options.now(),
          state: session.stateProof(request.auth.nonce),
        };
      }
      case 'evaluate': {
        const session = this.session(request.sessionId);
        const partyId = session.authenticate(request);
        await session.evaluateOnRequest(partyId, request.round);
        return { type: 'evaluation-started', sessionId: session.id, round: request.round };
      }
      case 'get-result': {
        const session = this.session(request.sessionId);
        const partyId = session.authenticate(request);
        const receipt = await session.result(partyId, request.round);
        // Every recipient has its last result: nothing is left to compute, so the inputs go now.
        if (session.finished) await session.destroy('completed');
        return { type: 'result', receipt };
      }
      case 'destroy': {
        const session = this.session(request.sessionId);
        session.authenticate(request);
        return { type: 'destroyed', certificate: await session.destroy('aborted') };
      }
    }
  }

  /**
   * Enclave shutdown. Without persistence nothing survives the process, so every session is destroyed (and
   * certified). With it, sessions outlive the process by design: pending writes finish, nothing is destroyed.
   */
  async close(): Promise<void> {
    if (this.options.persistence) {
      for (const session of this.sessions.values()) await session.settled();
      return;
    }
    for (const session of this.sessions.values()) await session.destroy('aborted');
  }
}
