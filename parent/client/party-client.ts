import { randomBytes } from 'node:crypto';
import type { Cert } from '../../attestation/index.js';
import { decodeStrictCbor } from '../../common/cbor/index.js';
import {
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
  sessionIdOf,
  signApproval,
  signRequest,
  verifyReceipt,
  verifySessionAttestation,
} from '../../protocol/index.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { EnclaveRefusal } from './errors.js';
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
    const approval = signApproval(manifest, this.party.id, this.party.signing.privateKey);
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
    this.sessionKeys.set(Buffer.from(sessionId).toString('hex'), verified.hpkePublicKey);
    return verified;
  }

  /** Encrypts and sends one input (a CBOR-encodable value); streams it when large. Returns its commitment. */
  async submit(manifest: Manifest, inputName: string, value: unknown, round = 1): Promise<Uint8Array> {
    const key = this.sessionKeys.get(Buffer.from(sessionIdOf(manifest)).toString('hex'));
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
      ...(this.options.chunkBytes === undefined ? {} : { chunkBytes: this.options.chunkBytes }),
    });
  }

  private signed<R extends { type: string }>(request: R) {
    return signRequest(request, this.party.id, this.party.signing.privateKey);
  }

  async status(manifest: Manifest) {
    return expectResponse(
      await this.connection.send(this.signed({ type: 'status', sessionId: sessionIdOf(manifest) })),
      'status',
    );
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
