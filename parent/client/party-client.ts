import { randomBytes } from 'node:crypto';
import type { Cert } from '../../attestation/index.js';
import { decodeStrictCbor } from '../../common/cbor/index.js';
import {
  CONTEXTS,
  type DestructionCertificate,
  type DestructionCertificateSummary,
  encodeManifest,
  type HpkeKeyPair,
  type HpkePublicKey,
  type Manifest,
  openResult,
  type ResultReceipt,
  type ResultReceiptSummary,
  type SigningKeyPair,
  type SigningPublicKey,
  sessionIdOf,
  signApproval,
  signRequest,
  verifyProtocolSignature,
  verifyReceipt,
  verifySessionAttestation,
} from '../../protocol/index.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { EnclaveRefusal, SessionStateError } from './errors.js';
import { expectResponse } from './expect-response.js';
import { sendInput } from './input-sender.js';

/** A party: its id in manifests and its private keys (never sent anywhere). */
export interface PartyIdentity {
  readonly id: string;
  readonly signing: SigningKeyPair;
  readonly hpke: HpkeKeyPair;
}

export interface PartyClientOptions {
  /** Trust anchors for the enclave's attestation: default the AWS Nitro root; the simulator's root in tests. */
  readonly roots?: readonly Cert[];
  /** Inputs larger than this are streamed in chunks of this size (default 512 KiB). */
  readonly chunkBytes?: number;
}

/**
 * One party's side of sessions, typed: agree, check the enclave by attestation before sending anything, send
 * inputs, and read and verify results and destruction certificates. Every enclave refusal is an
 * `EnclaveRefusal` with the enclave's code; every verification failure keeps its own code (`ATTESTATION_*`, ...).
 */
export class PartyClient {
  /** Session key per session, learnt from a verified attestation only. */
  private readonly sessionKeys = new Map<string, HpkePublicKey>();
  /** The enclave's signing key per session, from the same verified attestation: state reports must carry it. */
  private readonly signingKeys = new Map<string, SigningPublicKey>();
  /** Largest journal counter the enclave acknowledged per session: its state may never be older than this. */
  private readonly stateCounters = new Map<string, number>();

  constructor(
    private readonly connection: EnclaveConnection,
    readonly party: PartyIdentity,
    private readonly options: PartyClientOptions = {},
  ) {}

  private verifyPolicy() {
    return this.options.roots === undefined ? {} : { roots: this.options.roots };
  }

  /** Creates the session for `manifest` (any party may); returns its id. */
  async create(manifest: Manifest): Promise<Uint8Array> {
    const response = await this.connection.send({
      type: 'create-session',
      manifest: encodeManifest(manifest),
    });
    return expectResponse(response, 'session-created').sessionId;
  }

  /** Signs the manifest; true once every party has. */
  async approve(manifest: Manifest): Promise<boolean> {
    const approval = signApproval(
      manifest,
      this.party.id,
      this.party.signing.privateKey,
      this.party.hpke.publicKey,
    );
    return expectResponse(await this.connection.send({ type: 'approve', approval }), 'approval-recorded')
      .open;
  }

  /** Asks for an attestation with a fresh nonce and verifies it against the manifest; remembers the session key. */
  async attest(manifest: Manifest) {
    const sessionId = sessionIdOf(manifest);
    const nonce = new Uint8Array(randomBytes(32));
    const { document } = expectResponse(
      await this.connection.send({ type: 'attest', sessionId, nonce }),
      'attestation',
    );
    const verified = await verifySessionAttestation(document, { manifest, nonce, ...this.verifyPolicy() });
    this.sessionKeys.set(hex(sessionId), verified.hpkePublicKey);
    this.signingKeys.set(hex(sessionId), verified.enclaveSigningKey);
    return verified;
  }

  /** The largest journal counter the enclave acknowledged for this session (0 if none). */
  knownStateCounter(manifest: Manifest): number {
    return this.stateCounters.get(hex(sessionIdOf(manifest))) ?? 0;
  }

  /**
   * Holds the enclave to a counter learnt earlier (e.g. kept on disk by a party that restarted): a later state
   * report below it is a rollback.
   */
  rememberStateCounter(manifest: Manifest, counter: number): void {
    const key = hex(sessionIdOf(manifest));
    this.stateCounters.set(key, Math.max(counter, this.stateCounters.get(key) ?? 0));
  }

  /** Encrypts and sends one input (a CBOR-encodable value); streams it when large. Returns its commitment. */
  async submit(manifest: Manifest, inputName: string, value: unknown, round = 1): Promise<Uint8Array> {
    const key = this.sessionKeys.get(hex(sessionIdOf(manifest)));
    if (!key)
      throw new EnclaveRefusal(
        'ATTESTATION_REQUIRED',
        'verify the enclave with attest() before sending inputs',
      );
    return sendInput({
      connection: this.connection,
      party: this.party,
      manifest,
      sessionKey: key,
      inputName,
      value,
      round,
      onAccepted: (accepted) => this.rememberStateCounter(manifest, accepted.stateCounter),
      ...(this.options.chunkBytes === undefined ? {} : { chunkBytes: this.options.chunkBytes }),
    });
  }

  private signed<R extends { type: string }>(request: R) {
    return signRequest(request, this.party.id, this.party.signing.privateKey);
  }

  /**
   * Who has provided what, the window and round; and a check that the enclave's state is not older than what it
   * acknowledged to this party (`STATE_ROLLBACK`), by a counter signed with the attested session key over this
   * request's nonce (`STATE_PROOF_INVALID` otherwise; checked once `attest()` has run).
   */
  async status(manifest: Manifest) {
    const sessionId = sessionIdOf(manifest);
    const request = this.signed({ type: 'status', sessionId });
    const known = this.stateCounters.get(hex(sessionId)) ?? 0;
    const response = await this.connection.send(request);
    if (response.type === 'error' && response.code === 'SESSION_UNKNOWN' && known > 0) {
      throw new SessionStateError(
        'STATE_ROLLBACK',
        `the enclave no longer knows this session, although it acknowledged ${known} records of it: its state ` +
          'was lost or rolled back by the parent',
      );
    }
    const status = expectResponse(response, 'status');
    const signingKey = this.signingKeys.get(hex(sessionId));
    if (signingKey) {
      const body = { sessionId, counter: status.state.counter, nonce: request.auth.nonce };
      if (!verifyProtocolSignature(CONTEXTS.stateProof, body, status.state.signature, signingKey)) {
        throw new SessionStateError(
          'STATE_PROOF_INVALID',
          "the state report is not signed by this session's attested key over this request: it did not come " +
            'from the enclave, or was altered on the way',
        );
      }
    }
    if (status.state.counter < known) {
      throw new SessionStateError(
        'STATE_ROLLBACK',
        `the enclave reports ${status.state.counter} records for this session but acknowledged ${known} to this ` +
          "party: the parent rolled the enclave's stored state back",
      );
    }
    this.rememberStateCounter(manifest, status.state.counter);
    return status;
  }

  async evaluate(manifest: Manifest, round = 1): Promise<void> {
    const request = this.signed({ type: 'evaluate', sessionId: sessionIdOf(manifest), round });
    expectResponse(await this.connection.send(request), 'evaluation-started');
  }

  /** Fetches, verifies (attestation, binding, signature, manifest) and opens this party's result. */
  async result(
    manifest: Manifest,
    round = 1,
  ): Promise<{ value: unknown; receipt: ResultReceipt; summary: ResultReceiptSummary }> {
    const sessionId = sessionIdOf(manifest);
    const { receipt } = expectResponse(
      await this.connection.send(this.signed({ type: 'get-result', sessionId, round })),
      'result',
    );
    const summary = (await verifyReceipt(receipt, {
      manifest,
      ...this.verifyPolicy(),
    })) as ResultReceiptSummary;
    const { body } = receipt;
    const bytes = await openResult(
      { sessionId, round, recipient: body.recipient, view: body.view },
      body.result,
      this.party.hpke.privateKey,
    );
    return { value: decodeStrictCbor(bytes), receipt, summary };
  }

  /** Closes the connection to the enclave. */
  close(): void {
    this.connection.close();
  }

  /** Ends the session (or fetches the certificate of one that ended) and verifies the destruction certificate. */
  async destroy(
    manifest: Manifest,
  ): Promise<{ certificate: DestructionCertificate; summary: DestructionCertificateSummary }> {
    const request = this.signed({ type: 'destroy', sessionId: sessionIdOf(manifest) });
    const { certificate } = expectResponse(await this.connection.send(request), 'destroyed');
    const summary = (await verifyReceipt(certificate, {
      manifest,
      ...this.verifyPolicy(),
    })) as DestructionCertificateSummary;
    return { certificate, summary };
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
