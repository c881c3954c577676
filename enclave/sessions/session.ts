import { createHash } from 'node:crypto';
import { bytesToHex } from '../../common/bytes.js';
import { decodeStrictCbor, encodeCbor } from '../../common/cbor/index.js';
import {
  type DestructionCertificate,
  decodeManifest,
  encodeProtocolValue,
  encodeSessionBinding,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type HpkeKeyPair,
  type InputBinding,
  type InputChunk,
  type InputCommitment,
  type InputStreamHeader,
  InputStreamOpener,
  type KmsInput,
  type Manifest,
  type ManifestApproval,
  type ManifestInput,
  openInput,
  openKmsInput,
  pendingApprovals,
  type RequestAuth,
  RequestNonceCache,
  type ResultReceipt,
  type SigningKeyPair,
  sealResult,
  sessionIdOf,
  signDestructionCertificate,
  signResultReceipt,
  verifyApproval,
  verifyKmsInput,
  verifyRequest,
} from '../../protocol/index.js';
import {
  type AnyMpcFunction,
  evaluateParsed,
  FULL_VIEW,
  parseInput,
  parseParameters,
  resolveFunction,
  selectView,
} from '../functions/index.js';
import { AuditLog } from './audit-log.js';
import { SessionError } from './errors.js';

/** A KMS Decrypt through `Recipient`: the data key, released only to this attested enclave. */
export type KmsDecrypt = (request: {
  readonly ciphertextBlob: Uint8Array;
  readonly keyId: string;
  readonly encryptionContext: Readonly<Record<string, string>>;
}) => Promise<Uint8Array>;

/** What a session needs from its surroundings: a clock, the NSM and, for KMS-mode inputs, KMS. */
export interface SessionEnvironment {
  now(): number;
  /** An attestation document with `userData` and `nonce` (the NSM's attest). */
  attest(userData: Uint8Array, nonce?: Uint8Array): Promise<Uint8Array>;
  /** Absent when the enclave has no KMS connection: KMS-mode inputs are then refused. */
  readonly kmsDecrypt?: KmsDecrypt;
}

export type SessionPhase = 'awaiting-approvals' | 'open' | 'evaluating' | 'completed' | 'destroyed';

interface StoredInput {
  readonly partyId: string;
  readonly inputName: string;
  readonly round: number;
  /** Decrypted bytes: zeroed when the input is cleared or the session destroyed. */
  readonly plaintext: Uint8Array;
  readonly value: unknown;
  readonly commitment: Uint8Array;
}

interface PendingStream {
  readonly opener: InputStreamOpener;
  readonly binding: InputBinding;
  readonly spec: ManifestInput;
  readonly chunks: Uint8Array[];
  bytes: number;
}

/** The one input each party provides: functions take one value per providing party. */
function inputByProvider(manifest: Manifest): Map<string, ManifestInput> {
  const byProvider = new Map<string, ManifestInput>();
  for (const input of manifest.inputs) {
    if (byProvider.has(input.provider)) {
      throw new SessionError(
        'SESSION_UNSUPPORTED',
        `party "${input.provider}" provides two inputs; functions take one input per providing party`,
      );
    }
    byProvider.set(input.provider, input);
  }
  return byProvider;
}

function zero(buffers: Iterable<StoredInput>): void {
  for (const input of buffers) input.plaintext.fill(0);
}

/**
 * One agreed session inside the enclave: its manifest, keys, inputs, results and rules. Every method either
 * changes state completely or throws a `SessionError`/`ProtocolError`/`FunctionError` and changes nothing that
 * honest parties rely on.
 */
export class Session {
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly audit = new AuditLog();
  /** Signed requests seen (status, evaluate, result, destroy): a replay is refused. */
  readonly nonces = new RequestNonceCache(10_000);
  private phaseValue: SessionPhase = 'awaiting-approvals';
  private currentRound = 1;
  private readonly approvals = new Map<string, ManifestApproval>();
  private readonly inputs = new Map<string, StoredInput>();
  private readonly seenCommitments = new Set<string>();
  private readonly outputs = new Map<number, unknown>();
  private readonly delivered = new Map<number, Set<string>>();
  private readonly streams = new Map<string, PendingStream>();
  private readonly committed: InputCommitment[] = [];
  private hpke: HpkeKeyPair | undefined;
  private bindingDocument: Promise<Uint8Array> | undefined;
  private certificate: DestructionCertificate | undefined;

  private constructor(
    readonly manifest: Manifest,
    private readonly fn: AnyMpcFunction,
    private readonly params: unknown,
    private readonly providers: ReadonlyMap<string, ManifestInput>,
    hpke: HpkeKeyPair,
    private readonly signing: SigningKeyPair,
    private readonly env: SessionEnvironment,
  ) {
    this.id = sessionIdOf(manifest);
    this.idHex = bytesToHex(this.id);
    this.hpke = hpke;
  }

  /** Checks the manifest against the code this enclave runs and makes the session's keys. */
  static async create(manifestBytes: Uint8Array, env: SessionEnvironment): Promise<Session> {
    const manifest = decodeManifest(manifestBytes);
    const fn = resolveFunction(manifest.function);
    const params = parseParameters(fn, manifest.parameters);
    const session = new Session(
      manifest,
      fn,
      params,
      inputByProvider(manifest),
      await generateHpkeKeyPair(),
      generateSigningKeyPair('Ed25519'),
      env,
    );
    session.audit.append({ type: 'created', at: env.now() });
    return session;
  }

  get phase(): SessionPhase {
    return this.phaseValue;
  }

  get round(): number {
    return this.currentRound;
  }

  pendingApprovals(): string[] {
    return pendingApprovals(this.manifest, [...this.approvals.values()]);
  }

  private party(partyId: string) {
    const party = this.manifest.parties.find((p) => p.id === partyId);
    if (!party) throw new SessionError('PARTY_NOT_AUTHORIZED', `"${partyId}" is not a party to this session`);
    return party;
  }

  private assertNotDestroyed(): void {
    if (this.phaseValue === 'destroyed') {
      throw new SessionError('SESSION_DESTROYED', 'this session was destroyed: its inputs and key are gone');
    }
  }

  approve(approval: ManifestApproval): { partyId: string; open: boolean } {
    this.assertNotDestroyed();
    const partyId = verifyApproval(this.manifest, approval, this.id);
    this.approvals.set(partyId, approval);
    this.audit.append({ type: 'approved', at: this.env.now(), partyId });
    if (this.phaseValue === 'awaiting-approvals' && this.pendingApprovals().length === 0) {
      this.phaseValue = 'open';
      this.audit.append({ type: 'opened', at: this.env.now() });
    }
    return { partyId, open: this.phaseValue !== 'awaiting-approvals' };
  }

  private bindingUserData(): Uint8Array {
    if (!this.hpke) throw new SessionError('SESSION_DESTROYED', 'this session was destroyed');
    return encodeSessionBinding({
      sessionId: this.id,
      hpkePublicKey: this.hpke.publicKey,
      signingKey: this.signing.publicKey,
    });
  }

  /** A document binding this session's keys, carrying the party's nonce. */
  async attest(nonce: Uint8Array): Promise<Uint8Array> {
    this.assertNotDestroyed();
    const document = await this.env.attest(this.bindingUserData(), nonce);
    this.audit.append({ type: 'attested', at: this.env.now() });
    return document;
  }

  /** The document receipts carry (no nonce): made once, when the first receipt is signed. */
  private receiptAttestation(): Promise<Uint8Array> {
    this.bindingDocument ??= this.env.attest(this.bindingUserData());
    return this.bindingDocument;
  }

  /**
   * Who may submit `inputName` in `round`, now: every rule but the envelope itself. Returns the input provided
   * earlier when the policy is `first-wins` (the new one is then ignored).
   */
  private admit(binding: InputBinding): { spec: ManifestInput; kept: StoredInput | undefined } {
    this.assertNotDestroyed();
    if (this.phaseValue === 'awaiting-approvals') {
      throw new SessionError('SESSION_NOT_OPEN', 'not every party has approved the manifest yet');
    }
    this.party(binding.partyId);
    const spec = this.manifest.inputs.find((i) => i.name === binding.inputName);
    if (!spec) throw new SessionError('INPUT_UNKNOWN', `the manifest has no input "${binding.inputName}"`);
    if (spec.provider !== binding.partyId) {
      throw new SessionError('PARTY_NOT_AUTHORIZED', `"${binding.partyId}" may not provide "${spec.name}"`);
    }
    const expectedRound = spec.provide === 'once' ? 1 : this.currentRound;
    if (binding.round !== expectedRound || (spec.provide === 'once' && this.currentRound !== 1)) {
      throw new SessionError(
        'ROUND_INVALID',
        `"${spec.name}" is accepted for round ${expectedRound} now, not round ${binding.round}`,
      );
    }
    if (this.phaseValue !== 'open') {
      throw new SessionError(
        'WINDOW_CLOSED',
        `the session is ${this.phaseValue}: no more inputs are accepted`,
      );
    }
    const now = this.env.now();
    if (now < this.manifest.window.opensAt) {
      throw new SessionError(
        'WINDOW_NOT_OPEN',
        `submissions open at ${new Date(this.manifest.window.opensAt).toISOString()}`,
      );
    }
    if (now > this.manifest.window.closesAt) {
      throw new SessionError(
        'WINDOW_CLOSED',
        `submissions closed at ${new Date(this.manifest.window.closesAt).toISOString()}`,
      );
    }
    const existing = this.inputs.get(inputKey(binding));
    if (existing && this.manifest.resubmission === 'reject') {
      throw new SessionError(
        'INPUT_ALREADY_PROVIDED',
        `"${spec.name}" was already provided for round ${binding.round} and this session refuses resubmissions`,
      );
    }
    return { spec, kept: this.manifest.resubmission === 'first-wins' ? existing : undefined };
  }

  private keepFirst(kept: StoredInput): Uint8Array {
    this.audit.append({
      type: 'input-ignored',
      at: this.env.now(),
      partyId: kept.partyId,
      inputName: kept.inputName,
      round: kept.round,
    });
    return kept.commitment;
  }

  private store(
    binding: InputBinding,
    spec: ManifestInput,
    plaintext: Uint8Array,
    commitment: Uint8Array,
  ): Uint8Array {
    const commitmentHex = bytesToHex(commitment);
    if (this.seenCommitments.has(commitmentHex)) {
      plaintext.fill(0);
      throw new SessionError('INPUT_REPLAYED', 'this exact input was already received');
    }
    if (plaintext.byteLength > spec.maxBytes) {
      plaintext.fill(0);
      throw new SessionError('INPUT_TOO_LARGE', `"${spec.name}" is limited to ${spec.maxBytes} bytes`);
    }
    let value: unknown;
    try {
      value = parseInput(this.fn, binding.partyId, decodeStrictCbor(plaintext, { maxDepth: 16 }));
    } catch (error) {
      plaintext.fill(0);
      throw error;
    }
    const key = inputKey(binding);
    const replaced = this.inputs.get(key);
    if (replaced) zero([replaced]);
    this.inputs.set(key, { ...binding, plaintext, value, commitment });
    this.seenCommitments.add(commitmentHex);
    this.committed.push({
      inputName: binding.inputName,
      partyId: binding.partyId,
      round: binding.round,
      commitment,
    });
    this.audit.append({
      type: replaced ? 'input-replaced' : 'input-accepted',
      at: this.env.now(),
      partyId: binding.partyId,
      inputName: binding.inputName,
      round: binding.round,
    });
    return commitment;
  }

  /** A single HPKE envelope. */
  async submit(envelope: InputBinding & Record<string, unknown>): Promise<Uint8Array> {
    const binding = expectedBinding(this.id, envelope);
    const { kept } = this.admit(binding);
    if (kept) return this.keepFirst(kept);
    const hpke = this.hpke;
    if (!hpke) throw new SessionError('SESSION_DESTROYED', 'this session was destroyed');
    const opened = await openInput(
      envelope,
      hpke.privateKey,
      binding,
      this.party(binding.partyId).signingKey,
    );
    // Admission again: the window may have closed, or another submission landed, while HPKE ran.
    const again = this.admit(binding);
    if (again.kept) {
      opened.plaintext.fill(0);
      return this.keepFirst(again.kept);
    }
    return this.store(binding, again.spec, opened.plaintext, opened.commitment);
  }

  /**
   * An input prepared ahead of time under the party's own KMS key: the party's signature and the binding are
   * checked first, then KMS releases the data key to this enclave only (its policy names our PCRs).
   */
  async submitKms(input: KmsInput): Promise<Uint8Array> {
    const binding = expectedBinding(this.id, input);
    const { kept } = this.admit(binding);
    if (kept) return this.keepFirst(kept);
    const kmsDecrypt = this.env.kmsDecrypt;
    if (!kmsDecrypt) {
      throw new SessionError('SESSION_UNSUPPORTED', 'this enclave has no KMS connection for KMS-mode inputs');
    }
    const verified = verifyKmsInput(input, binding, this.party(binding.partyId).signingKey);
    const dataKey = await kmsDecrypt({
      ciphertextBlob: verified.encryptedDataKey,
      keyId: verified.keyId,
      encryptionContext: verified.encryptionContext,
    });
    let plaintext: Uint8Array;
    try {
      plaintext = openKmsInput(verified, dataKey, binding);
    } finally {
      dataKey.fill(0);
    }
    const again = this.admit(binding);
    if (again.kept) {
      plaintext.fill(0);
      return this.keepFirst(again.kept);
    }
    // Like an envelope's, the commitment hashes the submission (ciphertext), never the plaintext.
    const commitment = new Uint8Array(createHash('sha256').update(encodeProtocolValue(verified)).digest());
    return this.store(binding, again.spec, plaintext, commitment);
  }

  async startStream(header: InputStreamHeader): Promise<void> {
    const binding = expectedBinding(this.id, header);
    const { spec } = this.admit(binding);
    const hpke = this.hpke;
    if (!hpke) throw new SessionError('SESSION_DESTROYED', 'this session was destroyed');
    const key = inputKey(binding);
    if (!this.streams.has(key) && this.streams.size >= 64) {
      throw new SessionError('CAPACITY_EXCEEDED', 'too many inputs are streaming into this session at once');
    }
    const opener = await InputStreamOpener.start(
      header,
      hpke.privateKey,
      binding,
      this.party(binding.partyId).signingKey,
    );
    this.streams.set(key, { opener, binding, spec, chunks: [], bytes: 0 });
  }

  /** One chunk; on the final one the input is stored. Returns the commitment then, else undefined. */
  async addChunk(claimed: InputBinding, chunk: InputChunk): Promise<Uint8Array | undefined> {
    const binding = expectedBinding(this.id, claimed);
    const key = inputKey(binding);
    const stream = this.streams.get(key);
    if (!stream) throw new SessionError('INPUT_UNKNOWN', 'no stream was started for this input');
    try {
      const plaintext = await stream.opener.openChunk(chunk);
      // Chunks may be pipelined: one that waited its turn behind a refused chunk must not revive the stream.
      if (this.streams.get(key) !== stream) {
        plaintext.fill(0);
        throw new SessionError('INPUT_UNKNOWN', 'this input stream was discarded after an earlier refusal');
      }
      stream.bytes += plaintext.byteLength;
      stream.chunks.push(plaintext);
      if (stream.bytes > stream.spec.maxBytes) {
        throw new SessionError(
          'INPUT_TOO_LARGE',
          `"${stream.spec.name}" is limited to ${stream.spec.maxBytes} bytes`,
        );
      }
      if (!chunk.final) return undefined;
      const opened = stream.opener.finish();
      this.streams.delete(key);
      // One copy into the stored buffer (Buffer.concat then new Uint8Array copied it twice).
      const whole = new Uint8Array(stream.bytes);
      let at = 0;
      for (const part of stream.chunks) {
        whole.set(part, at);
        at += part.byteLength;
        part.fill(0);
      }
      const again = this.admit(binding);
      if (again.kept) {
        whole.fill(0);
        return this.keepFirst(again.kept);
      }
      return this.store(binding, stream.spec, whole, opened.commitment);
    } catch (error) {
      if (this.streams.get(key) === stream) this.streams.delete(key); // a restarted stream is not ours
      for (const part of stream.chunks) part.fill(0);
      throw error;
    }
  }

  /** Checks a signed request from a party of this session (signature, clock, replay). */
  authenticate(request: { type: string; auth: RequestAuth }): string {
    const party = this.party(request.auth.partyId);
    verifyRequest(request, party.signingKey, { now: this.env.now(), nonces: this.nonces });
    return party.id;
  }

  private roundInputs(round: number): StoredInput[] {
    return [...this.inputs.values()].filter((input) => {
      const spec = this.providers.get(input.partyId);
      return spec?.provide === 'once' ? input.round === 1 : input.round === round;
    });
  }

  status(): {
    phase: SessionPhase;
    round: number;
    inputs: { inputName: string; partyId: string; provided: boolean }[];
  } {
    const provided = new Set(this.roundInputs(this.currentRound).map((i) => i.inputName));
    return {
      phase: this.phaseValue,
      round: this.currentRound,
      inputs: this.manifest.inputs.map((spec) => ({
        inputName: spec.name,
        partyId: spec.provider,
        provided: provided.has(spec.name),
      })),
    };
  }

  /** Evaluation on request: only by a named requester (or anyone with `auto`, once the window closed). */
  async evaluateOnRequest(partyId: string, round: number): Promise<void> {
    this.assertNotDestroyed();
    if (round !== this.currentRound || this.outputs.has(round)) {
      throw new SessionError(
        'ROUND_INVALID',
        `round ${round} cannot be evaluated now (current: ${this.currentRound})`,
      );
    }
    const trigger = this.manifest.evaluation;
    if (trigger.trigger === 'on-request' && !trigger.requesters.includes(partyId)) {
      throw new SessionError(
        'EVALUATION_NOT_ALLOWED',
        `"${partyId}" may not request evaluation of this session`,
      );
    }
    if (trigger.trigger === 'auto' && this.env.now() <= this.manifest.window.closesAt) {
      throw new SessionError(
        'EVALUATION_NOT_ALLOWED',
        'this session evaluates by itself when its window closes',
      );
    }
    await this.evaluate(round);
  }

  /** With the `auto` trigger: evaluates the current round once its window has closed and the threshold is met. */
  async evaluateIfDue(): Promise<void> {
    if (
      this.phaseValue === 'open' &&
      this.manifest.evaluation.trigger === 'auto' &&
      this.env.now() > this.manifest.window.closesAt &&
      !this.outputs.has(this.currentRound) &&
      this.roundInputs(this.currentRound).length >= this.manifest.threshold
    ) {
      await this.evaluate(this.currentRound);
    }
  }

  private async evaluate(round: number): Promise<void> {
    if (this.phaseValue !== 'open') {
      throw new SessionError('EVALUATION_NOT_ALLOWED', `the session is ${this.phaseValue}`);
    }
    const inputs = this.roundInputs(round);
    if (inputs.length < this.manifest.threshold) {
      throw new SessionError(
        'THRESHOLD_NOT_MET',
        `${inputs.length} of the ${this.manifest.threshold} inputs needed have been provided`,
      );
    }
    this.phaseValue = 'evaluating';
    this.audit.append({ type: 'evaluating', at: this.env.now(), round });
    try {
      const output = await evaluateParsed(
        this.fn,
        this.params,
        new Map(inputs.map((i) => [i.partyId, i.value])),
      );
      this.outputs.set(round, output);
      this.audit.append({ type: 'evaluated', at: this.env.now(), round });
    } catch (error) {
      this.phaseValue = 'open';
      this.audit.append({
        type: 'evaluation-failed',
        at: this.env.now(),
        round,
        code: (error as { code?: string }).code ?? 'INTERNAL',
      });
      throw error;
    }
    // Inputs provided each round are cleared; those provided once stay for the next rounds.
    for (const input of inputs) {
      if (this.providers.get(input.partyId)?.provide === 'each-round') {
        zero([input]);
        this.inputs.delete(inputKey(input));
      }
    }
    this.phaseValue = round < this.manifest.rounds ? 'open' : 'completed';
    if (round < this.manifest.rounds) this.currentRound = round + 1;
  }

  /** The signed result of `round` for `partyId`, in the view and delivery the manifest gives it. */
  async result(partyId: string, round: number): Promise<ResultReceipt> {
    this.assertNotDestroyed();
    await this.evaluateIfDue();
    const recipient = this.manifest.recipients.find((r) => r.party === partyId);
    if (!recipient)
      throw new SessionError('RESULT_NOT_FOR_PARTY', `"${partyId}" receives no result in this session`);
    if (!this.outputs.has(round)) {
      throw new SessionError('RESULT_NOT_READY', `round ${round} has not been evaluated yet`);
    }
    const view = recipient.view === FULL_VIEW ? FULL_VIEW : recipient.view.partial;
    const visible = encodeCbor(selectView(this.fn, this.outputs.get(round), view));
    const binding = { sessionId: this.id, round, recipient: partyId, view: recipient.view };
    const hpkeKey = this.party(partyId).hpkePublicKey;
    if (recipient.delivery === 'encrypted' && !hpkeKey) {
      throw new SessionError(
        'SESSION_UNSUPPORTED',
        `"${partyId}" has no HPKE key in the manifest for an encrypted result`,
      );
    }
    const result =
      recipient.delivery === 'encrypted' && hpkeKey
        ? await sealResult(binding, visible, hpkeKey)
        : { delivery: 'clear' as const, value: visible };
    const receipt = signResultReceipt(
      {
        sessionId: this.id,
        round,
        recipient: partyId,
        view: recipient.view,
        result,
        inputCommitments: this.committed.filter((c) => this.usedInRound(c, round)),
        issuedAt: this.env.now(),
      },
      this.signing.privateKey,
      await this.receiptAttestation(),
    );
    const delivered = this.delivered.get(round) ?? new Set<string>();
    delivered.add(partyId);
    this.delivered.set(round, delivered);
    this.audit.append({ type: 'result-delivered', at: this.env.now(), partyId, round });
    return receipt;
  }

  private usedInRound(commitment: InputCommitment, round: number): boolean {
    const spec = this.providers.get(commitment.partyId);
    return spec?.provide === 'once' ? commitment.round === 1 : commitment.round === round;
  }

  /** True once every recipient has fetched the last round's result: the session has nothing left to do. */
  get finished(): boolean {
    const last = this.delivered.get(this.manifest.rounds);
    return (
      this.phaseValue === 'completed' &&
      last !== undefined &&
      this.manifest.recipients.every((r) => last.has(r.party))
    );
  }

  /**
   * Zeroes every plaintext, discards the HPKE private key (ciphertexts sealed to it can never be opened again) and
   * signs a certificate listing the commitments of every input destroyed. Idempotent.
   */
  async destroy(reason: 'completed' | 'aborted' | 'expired'): Promise<DestructionCertificate> {
    if (this.certificate) return this.certificate;
    const attestation = await this.receiptAttestation();
    zero(this.inputs.values());
    this.inputs.clear();
    for (const stream of this.streams.values()) for (const part of stream.chunks) part.fill(0);
    this.streams.clear();
    this.outputs.clear();
    this.hpke = undefined;
    this.phaseValue = 'destroyed';
    this.certificate = signDestructionCertificate(
      {
        sessionId: this.id,
        destroyed: [...this.committed],
        destroyedAt: this.env.now(),
        method: 'zeroized-and-key-discarded',
        reason,
      },
      this.signing.privateKey,
      attestation,
    );
    this.audit.append({ type: 'destroyed', at: this.env.now(), code: reason });
    return this.certificate;
  }
}

/** What a submission must be bound to: its claimed input, party and round, in this session (never its own claim). */
function expectedBinding(sessionId: Uint8Array, value: Omit<InputBinding, 'sessionId'>): InputBinding {
  return { sessionId, inputName: value.inputName, partyId: value.partyId, round: value.round };
}

function inputKey(binding: Pick<InputBinding, 'inputName' | 'round'>): string {
  return `${binding.round}:${binding.inputName}`;
}
