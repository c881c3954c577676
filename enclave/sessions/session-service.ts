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
import { SessionError } from './errors.js';
import { Session, type SessionEnvironment } from './session.js';

export interface SessionServiceOptions extends SessionEnvironment {
  /** Most sessions held at once; more are refused with `CAPACITY_EXCEEDED`. */
  readonly maxSessions?: number;
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
  private readonly maxSessions: number;

  constructor(private readonly options: SessionServiceOptions) {
    this.maxSessions = options.maxSessions ?? 1024;
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
    const session = this.sessions.get(bytesToHex(sessionId));
    if (!session) throw new SessionError('SESSION_UNKNOWN', 'no session with this id in this enclave');
    return session;
  }

  private async dispatch(request: PartyRequest): Promise<EnclaveResponse> {
    switch (request.type) {
      case 'create-session': {
        const id = bytesToHex(sessionIdOf(decodeManifest(request.manifest)));
        if (this.sessions.has(id))
          throw new SessionError('SESSION_EXISTS', 'this manifest already has a session');
        if (this.sessions.size >= this.maxSessions) {
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
        const { partyId, open } = session.approve(request.approval);
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
        const commitment =
          input.mode === 'hpke' ? await session.submit(input.envelope) : await session.submitKms(input);
        const binding = input.mode === 'hpke' ? input.envelope : input;
        return {
          type: 'input-accepted',
          sessionId: session.id,
          inputName: binding.inputName,
          partyId: binding.partyId,
          round: binding.round,
          commitment,
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
        const commitment = await session.addChunk(binding, request.chunk);
        if (commitment === undefined)
          return { type: 'chunk-accepted', sessionId: session.id, index: request.chunk.index };
        return { type: 'input-accepted', ...binding, sessionId: session.id, commitment };
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

  /** Destroys every session (enclave shutdown): nothing survives the process. */
  async close(): Promise<void> {
    for (const session of this.sessions.values()) await session.destroy('aborted');
  }
}
