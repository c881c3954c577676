import { createHash } from 'node:crypto';
import { bytesEqual, bytesToHex } from '../../common/bytes.js';
import { encodeCbor } from '../../common/cbor/index.js';
import {
  CONTEXTS,
  type DestructionCertificate,
  decodeManifest,
  encodeProtocolValue,
  encodeSessionBinding,
  exportHpkePrivateKey,
  exportSigningPrivateKey,
  forgetRecipientKeys,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type HpkeKeyPair,
  type InputBinding,
  type InputChunk,
  type InputCommitment,
  type InputOpeningKeys,
  type InputStreamHeader,
  InputStreamOpener,
  importHpkePrivateKey,
  importSigningPrivateKey,
  inputOpeningKeysOf,
  type KmsInput,
  type Manifest,
  type ManifestApproval,
  type ManifestInput,
  type OpenedInput,
  openInputWithKeys,
  openKmsInput,
  ProtocolError,
  type RequestAuth,
  RequestNonceCache,
  type ResultReceipt,
  type SigningKeyPair,
  sealResult,
  sessionIdOf,
  signDestructionCertificate,
  signingPublicKeyOf,
  signProtocolValue,
  signResultReceipt,
  verifyApproval,
  verifyKmsInput,
  verifyRequest,
} from '../../protocol/index.js';
import {
  type AnyMpcFunction,
  evaluateParsed,
  FULL_VIEW,
  parseParameters,
  resolveFunction,
  selectView,
} from '../functions/index.js';
import {
  type JournalEvent,
  type JournalStore,
  PersistenceError,
  RecordSealer,
  type RestoredJournal,
  SessionJournal,
} from '../persistence/index.js';
import { AuditLog } from './audit-log.js';
import { SessionError } from './errors.js';
import { readInputValue } from './input-value.js';
import { SenderSecrets } from './sender-secrets.js';

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
  /**
   * Checks and opens a single HPKE envelope (`openInputWithKeys`, on this thread when absent): the enclave hands
   * it to its worker threads (`InputOpenerPool`), as it is most of an input's CPU.
   */
  readonly openInput?: (
    envelope: unknown,
    keys: InputOpeningKeys,
    expected: InputBinding,
  ) => Promise<OpenedInput>;
  /**
   * Sealed persistence: each change is sealed under `sealKey` and made durable in the parent's store before it is
   * acknowledged. Absent: sessions live in memory only and end with the process.
   */
  readonly persistence?: {
    readonly store: JournalStore;
    readonly sealKey: Uint8Array;
    /** Told when the store failed with an unknown outcome: the enclave should restart and reconcile. */
    readonly onHalt?: (error: unknown) => void;
  };
}

/** What a party is told about the session's durable state: signed, so the parent cannot fake it. */
export interface StateProof {
  /** Records in the session's journal: never decreases, so a party that saw a larger one detects a rollback. */
  readonly counter: number;
  /** Over [CONTEXTS.stateProof, {sessionId, counter, nonce}] with the session's attested signing key. */
  readonly signature: Uint8Array;
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
  /** Enclave time of the last chunk (or the header): streams idle longer are dropped, their chunks zeroed. */
  lastActivity: number;
}

/** A stream whose party went silent this long is abandoned: its slot and its decrypted chunks are released. */
const STREAM_IDLE_MS = 10 * 60_000;

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
  /** Lookups a submission makes several times: a session may have 1,000 parties. */
  private readonly partiesById: ReadonlyMap<string, Manifest['parties'][number]>;
  private readonly inputsByName: ReadonlyMap<string, ManifestInput>;
  /** Inputs being made durable, by input key: their slot is taken (resubmission rules see them). */
  private readonly inFlight = new Map<string, Uint8Array>();
  private hpke: HpkeKeyPair | undefined;
  /** The static halves of parties' auth-mode opens, computed in the background (see `SenderSecrets`). */
  private readonly senderSecrets: SenderSecrets;
  private bindingDocument: Promise<Uint8Array> | undefined;
  private certificate: DestructionCertificate | undefined;
  /** From the start of `destroy` on: nothing new is admitted while the destruction is made durable. */
  private destroying = false;
  /** Set when the session was rebuilt from the store: signed requests made before then are refused. */
  private restoredAt: number | undefined;
  private readonly journal: SessionJournal;

  private constructor(
    readonly manifest: Manifest,
    private readonly fn: AnyMpcFunction,
    private readonly params: unknown,
    private readonly providers: ReadonlyMap<string, ManifestInput>,
    hpke: HpkeKeyPair,
    private readonly signing: SigningKeyPair,
    private readonly env: SessionEnvironment,
    restored?: Extract<RestoredJournal, { ok: true }>,
  ) {
    this.id = sessionIdOf(manifest);
    this.idHex = bytesToHex(this.id);
    this.hpke = hpke;
    this.senderSecrets = new SenderSecrets(hpke.privateKey, manifest.parties);
    this.partiesById = new Map(manifest.parties.map((p) => [p.id, p]));
    this.inputsByName = new Map(manifest.inputs.map((i) => [i.name, i]));
    const persistence = env.persistence;
    this.journal = new SessionJournal({
      sessionId: this.id,
      ...(persistence
        ? {
            persistence: {
              store: persistence.store,
              sealer: restored?.sealer ?? new RecordSealer(persistence.sealKey, this.id),
            },
          }
        : {}),
      ...(restored ? { head: restored.head } : {}),
      ...(persistence?.onHalt ? { onHalt: persistence.onHalt } : {}),
    });
  }

  private static prepare(manifestBytes: Uint8Array) {
    const manifest = decodeManifest(manifestBytes);
    const fn = resolveFunction(manifest.function);
    return {
      manifest,
      fn,
      params: parseParameters(fn, manifest.parameters),
      providers: inputByProvider(manifest),
    };
  }

  /**
   * Checks the manifest against the code this enclave runs and makes the session's keys; with persistence the
   * session (manifest and keys, sealed) is durable before this resolves.
   */
  static async create(manifestBytes: Uint8Array, env: SessionEnvironment): Promise<Session> {
    const { manifest, fn, params, providers } = Session.prepare(manifestBytes);
    const hpke = await generateHpkeKeyPair();
    const signing = generateSigningKeyPair('Ed25519');
    const session = new Session(manifest, fn, params, providers, hpke, signing, env);
    const at = env.now();
    const hpkePrivateKey = await exportHpkePrivateKey(hpke.privateKey);
    const signingPrivateKey = exportSigningPrivateKey(signing.privateKey);
    try {
      await session.journal.record({
        type: 'created',
        at,
        manifest: manifestBytes,
        hpkePrivateKey,
        signingPrivateKey,
      });
    } finally {
      hpkePrivateKey.fill(0);
      signingPrivateKey.fill(0);
    }
    session.audit.append({ type: 'created', at });
    return session;
  }

  /**
   * Rebuilds a session from its journal (after the enclave restarted): same manifest, same keys (the ones parties
   * verified by attestation), the acknowledged inputs, evaluated rounds and delivered results. A journal whose
   * first record is not this session's creation is `STATE_ROLLBACK`.
   */
  static async restore(
    journal: Extract<RestoredJournal, { ok: true }>,
    env: SessionEnvironment,
  ): Promise<Session> {
    const [first, ...rest] = journal.events;
    if (
      first?.type !== 'created' ||
      !bytesEqual(sessionIdOf(decodeManifest(first.manifest)), journal.sessionId)
    ) {
      throw new PersistenceError(
        'STATE_ROLLBACK',
        "the store's records for this session do not start with the creation of this session",
      );
    }
    const { manifest, fn, params, providers } = Session.prepare(first.manifest);
    const hpke = await importHpkePrivateKey(first.hpkePrivateKey);
    const signing = keyPairOf(first.signingPrivateKey);
    first.hpkePrivateKey.fill(0);
    first.signingPrivateKey.fill(0);
    const session = new Session(manifest, fn, params, providers, hpke, signing, env, journal);
    session.audit.append({ type: 'created', at: first.at });
    for (const event of rest) session.replay(event);
    session.restoredAt = env.now();
    session.audit.append({ type: 'restored', at: session.restoredAt });
    return session;
  }

  /** Applies one journal event, as when it was first recorded. */
  private replay(event: JournalEvent): void {
    switch (event.type) {
      case 'created':
        throw new PersistenceError('STATE_ROLLBACK', 'a session journal holds a second creation');
      case 'approved':
        this.applyApproval(verifyApproval(this.manifest, event.approval, this.id), event.approval, event.at);
        return;
      case 'input': {
        const spec = this.providers.get(event.partyId);
        if (!spec || spec.name !== event.inputName) {
          throw new PersistenceError('STATE_ROLLBACK', 'a journal input does not match the manifest');
        }
        const value = readInputValue(this.fn, event.partyId, event.plaintext);
        const binding = {
          sessionId: this.id,
          inputName: event.inputName,
          partyId: event.partyId,
          round: event.round,
        };
        this.seenCommitments.add(bytesToHex(event.commitment));
        this.applyInput(binding, event.plaintext, value, event.commitment, event.at);
        return;
      }
      case 'evaluated':
        this.applyEvaluation(event.round, event.output, event.at);
        return;
      case 'delivered':
        this.applyDelivery(event.round, event.partyId, event.at);
        return;
      case 'destroyed':
        this.applyDestruction(event.certificate);
        return;
    }
  }

  get phase(): SessionPhase {
    return this.phaseValue;
  }

  get round(): number {
    return this.currentRound;
  }

  /** Parties yet to approve, in manifest order (each approval was verified when it arrived). */
  pendingApprovals(): string[] {
    return this.manifest.parties.filter((p) => !this.approvals.has(p.id)).map((p) => p.id);
  }

  private party(partyId: string) {
    const party = this.partiesById.get(partyId);
    if (!party) throw new SessionError('PARTY_NOT_AUTHORIZED', `"${partyId}" is not a party to this session`);
    return party;
  }

  private assertNotDestroyed(): void {
    if (this.phaseValue === 'destroyed' || this.destroying) {
      throw new SessionError('SESSION_DESTROYED', 'this session was destroyed: its inputs and key are gone');
    }
  }

  /** Records a party's signed approval (durably); the session opens once every party approved. */
  async approve(approval: ManifestApproval): Promise<{ partyId: string; open: boolean }> {
    this.assertNotDestroyed();
    const partyId = verifyApproval(this.manifest, approval, this.id);
    const at = this.env.now();
    await this.journal.record({ type: 'approved', at, approval }, () =>
      this.applyApproval(partyId, approval, at),
    );
    return { partyId, open: this.phaseValue !== 'awaiting-approvals' };
  }

  private applyApproval(partyId: string, approval: ManifestApproval, at: number): void {
    this.approvals.set(partyId, approval);
    this.audit.append({ type: 'approved', at, partyId });
    if (this.phaseValue === 'awaiting-approvals' && this.pendingApprovals().length === 0) {
      this.phaseValue = 'open';
      this.audit.append({ type: 'opened', at });
    }
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
    const spec = this.inputsByName.get(binding.inputName);
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

  private keepFirst(kept: StoredInput): Accepted {
    this.audit.append({
      type: 'input-ignored',
      at: this.env.now(),
      partyId: kept.partyId,
      inputName: kept.inputName,
      round: kept.round,
    });
    return { commitment: kept.commitment, counter: this.journal.count };
  }

  /**
   * Validates a decrypted input and makes it durable; it counts (and is acknowledged) only from then on. While it
   * is being written its slot is taken, so resubmission rules hold for submissions racing it.
   */
  private async store(
    binding: InputBinding,
    spec: ManifestInput,
    plaintext: Uint8Array,
    commitment: Uint8Array,
  ): Promise<Accepted> {
    const commitmentHex = bytesToHex(commitment);
    if (this.seenCommitments.has(commitmentHex)) {
      plaintext.fill(0);
      throw new SessionError('INPUT_REPLAYED', 'this exact input was already received');
    }
    const key = inputKey(binding);
    const racing = this.inFlight.get(key);
    if (racing && this.manifest.resubmission !== 'last-wins') {
      plaintext.fill(0);
      if (this.manifest.resubmission === 'first-wins')
        return { commitment: racing, counter: this.journal.count };
      throw new SessionError(
        'INPUT_ALREADY_PROVIDED',
        `"${spec.name}" was already provided for round ${binding.round} and this session refuses resubmissions`,
      );
    }
    if (plaintext.byteLength > spec.maxBytes) {
      plaintext.fill(0);
      throw new SessionError('INPUT_TOO_LARGE', `"${spec.name}" is limited to ${spec.maxBytes} bytes`);
    }
    let value: unknown;
    try {
      value = readInputValue(this.fn, binding.partyId, plaintext);
    } catch (error) {
      plaintext.fill(0);
      throw error;
    }
    this.seenCommitments.add(commitmentHex);
    this.inFlight.set(key, commitment);
    const at = this.env.now();
    try {
      const counter = await this.journal.record(
        {
          type: 'input',
          at,
          inputName: binding.inputName,
          partyId: binding.partyId,
          round: binding.round,
          plaintext,
          commitment,
        },
        () => this.applyInput(binding, plaintext, value, commitment, at),
      );
      return { commitment, counter: counter + 1 };
    } catch (error) {
      this.seenCommitments.delete(commitmentHex);
      plaintext.fill(0);
      throw error;
    } finally {
      if (this.inFlight.get(key) === commitment) this.inFlight.delete(key);
    }
  }

  private applyInput(
    binding: InputBinding,
    plaintext: Uint8Array,
    value: unknown,
    commitment: Uint8Array,
    at: number,
  ): void {
    const key = inputKey(binding);
    const replaced = this.inputs.get(key);
    if (replaced) {
      // Zeroed now, and no longer committed to: receipts and the certificate list the inputs the session holds.
      zero([replaced]);
      const index = this.committed.findIndex((c) => bytesEqual(c.commitment, replaced.commitment));
      if (index >= 0) this.committed.splice(index, 1);
    }
    // Fields one by one, not spread from the binding and added to: on node 20 a spread followed by more fields
    // costs microseconds per object (measured 1.6-6 us against 0.3), and this runs for every input.
    const { inputName, partyId, round } = binding;
    this.inputs.set(key, { inputName, partyId, round, plaintext, value, commitment });
    this.committed.push({ inputName, partyId, round, commitment });
    this.audit.append({
      type: replaced ? 'input-replaced' : 'input-accepted',
      at,
      inputName,
      partyId,
      round,
    });
  }

  /** A single HPKE envelope. */
  async submit(envelope: InputBinding & Record<string, unknown>): Promise<Accepted> {
    const binding = expectedBinding(this.id, envelope);
    const { kept } = this.admit(binding);
    if (kept) return this.keepFirst(kept);
    const hpke = this.hpke;
    if (!hpke) throw new SessionError('SESSION_DESTROYED', 'this session was destroyed');
    // Only an auth-mode envelope is handed the party's static DH secret (a worker thread gets a copy of it).
    const keys = inputOpeningKeysOf(
      hpke.privateKey,
      this.party(binding.partyId).signingKey,
      envelope['auth'] === 'hpke' ? this.senderSecrets.senderOf(binding.partyId) : undefined,
    );
    const opened = await (this.env.openInput ?? openInputWithKeys)(envelope, keys, binding);
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
  async submitKms(input: KmsInput): Promise<Accepted> {
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
    this.dropIdleStreams();
    if (!this.streams.has(key) && this.streams.size >= 64) {
      throw new SessionError('CAPACITY_EXCEEDED', 'too many inputs are streaming into this session at once');
    }
    const opener = await InputStreamOpener.start(
      header,
      hpke.privateKey,
      binding,
      this.party(binding.partyId).signingKey,
    );
    // A party starting its input again (e.g. after its connection dropped) replaces what it had sent.
    this.dropStream(key);
    this.streams.set(key, { opener, binding, spec, chunks: [], bytes: 0, lastActivity: this.env.now() });
  }

  private dropStream(key: string): void {
    const stream = this.streams.get(key);
    if (!stream) return;
    for (const part of stream.chunks) part.fill(0);
    this.streams.delete(key);
  }

  private dropIdleStreams(): void {
    const now = this.env.now();
    for (const [key, stream] of this.streams) {
      if (now - stream.lastActivity > STREAM_IDLE_MS) this.dropStream(key);
    }
  }

  /** One chunk; on the final one the input is stored. Returns its acceptance then, else undefined. */
  async addChunk(claimed: InputBinding, chunk: InputChunk): Promise<Accepted | undefined> {
    const binding = expectedBinding(this.id, claimed);
    const key = inputKey(binding);
    const stream = this.streams.get(key);
    if (!stream) throw new SessionError('INPUT_UNKNOWN', 'no stream was started for this input');
    stream.lastActivity = this.env.now();
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

  /**
   * Checks a signed request from a party of this session (signature, clock, replay). After a restart the nonces
   * seen before are gone, so requests signed before the restart are refused: parties sign a fresh one.
   */
  authenticate(request: { type: string; auth: RequestAuth }): string {
    const party = this.party(request.auth.partyId);
    verifyRequest(request, party.signingKey, { now: this.env.now(), nonces: this.nonces });
    if (this.restoredAt !== undefined && request.auth.timestamp < this.restoredAt) {
      throw new ProtocolError(
        'REQUEST_REPLAYED',
        'this request was signed before the enclave restarted and may have been seen already: send a fresh one',
      );
    }
    return party.id;
  }

  /** Removes a destroyed session's sealed records from the store (they stay unreadable to a restart anyway). */
  forgetStored(): Promise<void> {
    return this.journal.drop();
  }

  /** Resolves once every change recorded so far is durable (or refused). */
  settled(): Promise<void> {
    return this.journal.settled();
  }

  /** The session's durable state, signed for the party that asked (its request nonce makes the proof fresh). */
  stateProof(nonce: Uint8Array): StateProof {
    const counter = this.journal.count;
    const signature = signProtocolValue(
      CONTEXTS.stateProof,
      { sessionId: this.id, counter, nonce },
      this.signing.privateKey,
    );
    return { counter, signature };
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
      // Inputs still being written when evaluation began count once durable (or not at all).
      await this.journal.settled();
      const ready = this.roundInputs(round);
      const output = await evaluateParsed(
        this.fn,
        this.params,
        new Map(ready.map((i) => [i.partyId, i.value])),
      );
      const at = this.env.now();
      await this.journal.record({ type: 'evaluated', at, round, output }, () =>
        this.applyEvaluation(round, output, at),
      );
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
  }

  private applyEvaluation(round: number, output: unknown, at: number): void {
    this.outputs.set(round, output);
    this.audit.append({ type: 'evaluated', at, round });
    // Inputs provided each round are cleared; those provided once stay for the next rounds.
    for (const input of this.roundInputs(round)) {
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
    const at = this.env.now();
    await this.journal.record({ type: 'delivered', at, round, partyId }, () =>
      this.applyDelivery(round, partyId, at),
    );
    return receipt;
  }

  private applyDelivery(round: number, partyId: string, at: number): void {
    const delivered = this.delivered.get(round) ?? new Set<string>();
    delivered.add(partyId);
    this.delivered.set(round, delivered);
    this.audit.append({ type: 'result-delivered', at, partyId, round });
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
    if (this.certificate) return this.certificate;
    this.destroying = true;
    try {
      return await this.destroyNow(reason, attestation);
    } finally {
      this.destroying = false;
    }
  }

  private async destroyNow(
    reason: 'completed' | 'aborted' | 'expired',
    attestation: Uint8Array,
  ): Promise<DestructionCertificate> {
    // Inputs still being written are either in the certificate or refused, never left behind.
    await this.journal.settled();
    if (this.certificate) return this.certificate;
    const certificate = signDestructionCertificate(
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
    // Durable first: a certificate is only issued once no restart can bring these inputs back.
    await this.journal.record({ type: 'destroyed', at: this.env.now(), certificate }, () =>
      this.applyDestruction(certificate),
    );
    this.audit.append({ type: 'destroyed', at: this.env.now(), code: reason });
    await this.journal.drop().catch(() => {
      // The records stay sealed in the store; their 'destroyed' record keeps a restart from reviving them.
    });
    return certificate;
  }

  private applyDestruction(certificate: DestructionCertificate): void {
    zero(this.inputs.values());
    this.inputs.clear();
    for (const stream of this.streams.values()) for (const part of stream.chunks) part.fill(0);
    this.streams.clear();
    this.outputs.clear();
    if (this.hpke) forgetRecipientKeys(this.hpke.privateKey);
    this.hpke = undefined;
    this.senderSecrets.forget();
    this.phaseValue = 'destroyed';
    this.certificate = certificate;
  }
}

/** What a submission must be bound to: its claimed input, party and round, in this session (never its own claim). */
function expectedBinding(sessionId: Uint8Array, value: Omit<InputBinding, 'sessionId'>): InputBinding {
  return { sessionId, inputName: value.inputName, partyId: value.partyId, round: value.round };
}

function inputKey(binding: Pick<InputBinding, 'inputName' | 'round'>): string {
  return `${binding.round}:${binding.inputName}`;
}

/** A signing key pair from its PKCS#8 private key (a restored session's). */
function keyPairOf(pkcs8: Uint8Array): SigningKeyPair {
  const privateKey = importSigningPrivateKey(pkcs8);
  return { privateKey, publicKey: signingPublicKeyOf(privateKey) };
}

/** An input the session holds durably: its commitment and the journal counter that parties can hold it to. */
export interface Accepted {
  readonly commitment: Uint8Array;
  /** The session's journal length once this input was recorded. */
  readonly counter: number;
}
