import { hash, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { encodeProtocolValue } from '../codec/canonical.js';
import { CONTEXTS } from '../codec/contexts.js';
import { bytesSchema, parseWith } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import { importedSigningKeyOf, type SigningPublicKey } from '../signing/keys.js';
import { assertProtocolSignature, SIGNATURE_BYTES, signProtocolValue } from '../signing/signatures.js';
import { assertBindingMatches, type InputBinding, inputBindingSchema, inputInfo } from './binding.js';
import {
  type HpkePrivateKey,
  type HpkePublicKey,
  importHpkePublicKey,
  type RecipientKeys,
  rawHpkePublicKey,
  recipientKeyPairOf,
  recipientKeysOf,
} from './keys.js';
import { type AuthSender, openSingleShot } from './single-shot-open.js';
import {
  cipherSuiteFor,
  HPKE_ENC_BYTES,
  HPKE_TAG_BYTES,
  type HpkeAead,
  hpkeSuiteIdsSchema,
  suiteIdsOf,
} from './suites.js';

/** Envelopes bind everything through the HPKE `info`; the AEAD's associated data is empty. */
const NO_AAD = new Uint8Array(0);

/** Larger inputs use the chunked stream (`sealInputStream`), so no single message grows without bound. */
export const MAX_ENVELOPE_PLAINTEXT_BYTES = 16 * 1024 * 1024;

const envelopeFields = {
  ...inputBindingSchema.shape,
  v: z.literal(1),
  suite: hpkeSuiteIdsSchema,
  enc: bytesSchema(HPKE_ENC_BYTES, HPKE_ENC_BYTES),
  ciphertext: bytesSchema(HPKE_TAG_BYTES, MAX_ENVELOPE_PLAINTEXT_BYTES + HPKE_TAG_BYTES),
};

/**
 * One sealed input. Wire form: canonical CBOR map {v, auth, suite{kem,kdf,aead}, sessionId, inputName, partyId,
 * round, enc, ciphertext[, signature]}. The binding is in the HPKE `info` (see `inputInfo`). `auth` says how the
 * enclave knows the party sealed it:
 * - `hpke`: RFC 9180 auth mode, with the party's `hpkePublicKey` from the manifest as the sender's static key.
 *   Only the party and the enclave can produce or check it (it proves nothing to anyone else); the enclave opens
 *   it with one X25519 once it has done DH(session key, party key) for the session.
 * - `signature`: base mode plus the party's `signature` over [CONTEXTS.inputEnvelope, every other field], for a
 *   party whose manifest entry has no HPKE key (e.g. it signs with an ES256 key held in a KMS or HSM). Verifying
 *   it costs the enclave an Ed25519 or ECDSA check per input.
 */
export const inputEnvelopeSchema = z.discriminatedUnion('auth', [
  z.strictObject({ ...envelopeFields, auth: z.literal('hpke') }),
  z.strictObject({
    ...envelopeFields,
    auth: z.literal('signature'),
    signature: bytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
  }),
]);
export type InputEnvelope = z.infer<typeof inputEnvelopeSchema>;
export type HpkeAuthInputEnvelope = Extract<InputEnvelope, { auth: 'hpke' }>;
export type SignedInputEnvelope = Extract<InputEnvelope, { auth: 'signature' }>;

/** Envelopes this thread's schemas produced (parsing makes a new object): opening them does not parse again. */
const validatedEnvelopes = new WeakSet<object>();

/**
 * `inputEnvelopeSchema` for an envelope inside a message (a submit request): what it outputs is remembered as
 * validated, so opening it right after does not run the same schema a second time. A copy (e.g. one cloned to a
 * worker thread) is not the same object and is parsed again.
 */
export const validatedInputEnvelopeSchema = inputEnvelopeSchema.transform((envelope) => {
  validatedEnvelopes.add(envelope);
  return envelope;
});

interface SealInputBase extends InputBinding {
  readonly plaintext: Uint8Array;
  /** The session's HPKE key, taken from a verified attestation (`verifySessionAttestation`). */
  readonly recipientPublicKey: HpkePublicKey;
  /** Default AES-256-GCM. */
  readonly aead?: HpkeAead;
}

/**
 * Sealed in HPKE auth mode under `senderHpkeKey` (the private half of the party's manifest `hpkePublicKey`), or in
 * base mode and signed with `senderSigningKey`. See `inputEnvelopeSchema` for which to use.
 */
export type SealInputParams = SealHpkeAuthInputParams | SealSignedInputParams;
export interface SealHpkeAuthInputParams extends SealInputBase {
  readonly senderHpkeKey: HpkePrivateKey;
  readonly senderSigningKey?: undefined;
}
export interface SealSignedInputParams extends SealInputBase {
  readonly senderSigningKey: KeyObject;
  readonly senderHpkeKey?: undefined;
}

function unsigned(envelope: SignedInputEnvelope): Omit<SignedInputEnvelope, 'signature'> {
  const { signature: _signature, ...rest } = envelope;
  return rest;
}

export async function sealInput(params: SealHpkeAuthInputParams): Promise<HpkeAuthInputEnvelope>;
export async function sealInput(params: SealSignedInputParams): Promise<SignedInputEnvelope>;
export async function sealInput(params: SealInputParams): Promise<InputEnvelope>;
export async function sealInput(params: SealInputParams): Promise<InputEnvelope> {
  const binding = parseWith(inputBindingSchema, pickBinding(params), 'MESSAGE_INVALID', 'input binding');
  if (params.plaintext.byteLength > MAX_ENVELOPE_PLAINTEXT_BYTES) {
    throw new ProtocolError(
      'MESSAGE_INVALID',
      `input of ${params.plaintext.byteLength} bytes is over ${MAX_ENVELOPE_PLAINTEXT_BYTES}: use sealInputStream`,
    );
  }
  const suite = suiteIdsOf(params.aead ?? 'AES-256-GCM');
  const sender = await cipherSuiteFor(suite).createSenderContext({
    recipientPublicKey: await importHpkePublicKey(params.recipientPublicKey),
    info: inputInfo(binding, 'single'),
    // Auth mode: the party's pair as node keys, made once per key (as for a recipient's), not per envelope.
    ...(params.senderHpkeKey ? { senderKey: recipientKeyPairOf(params.senderHpkeKey) } : {}),
  });
  const ciphertext = new Uint8Array(await sender.seal(params.plaintext));
  // Field by field: on node 20 a spread followed by more fields costs microseconds per object.
  const { sessionId, inputName, partyId, round } = binding;
  const enc = new Uint8Array(sender.enc);
  if (params.senderHpkeKey) {
    return { sessionId, inputName, partyId, round, v: 1, auth: 'hpke', suite, enc, ciphertext };
  }
  const body = {
    sessionId,
    inputName,
    partyId,
    round,
    v: 1 as const,
    auth: 'signature' as const,
    suite,
    enc,
    ciphertext,
  };
  const signature = signProtocolValue(CONTEXTS.inputEnvelope, body, params.senderSigningKey);
  return { sessionId, inputName, partyId, round, v: 1, auth: 'signature', suite, enc, ciphertext, signature };
}

export interface OpenedInput {
  readonly plaintext: Uint8Array;
  /** SHA-256 of the envelope's canonical bytes: commits to the input without revealing it (for receipts). */
  readonly commitment: Uint8Array;
}

/**
 * Checks the envelope's schema, the sender's signature (a signed envelope), then that it is bound to `expected`,
 * and only then opens it. HPKE opens with the `info` built from `expected`, so even a forged claim could not open
 * elsewhere; an auth-mode envelope opens only if `senderHpkeKey`'s holder sealed it.
 */
export async function openInput(
  envelope: unknown,
  recipientPrivateKey: HpkePrivateKey,
  expected: InputBinding,
  senderPublicKey: SigningPublicKey,
  senderHpkeKey?: HpkePublicKey,
): Promise<OpenedInput> {
  return await openInputWithKeys(
    envelope,
    inputOpeningKeysOf(recipientPrivateKey, senderPublicKey, senderHpkeKey),
    expected,
  );
}

/**
 * The keys that open one party's envelopes, in a form a worker thread can be handed cheaply: raw bytes and strings
 * where they suffice (cloning a `KeyObject` to a thread costs more than the Ed25519 check it serves). The sender's
 * signing key is its spec; each thread imports it once into its own cache. `senderHpke` is there when the party
 * has an HPKE key: its raw public key and, if the holder computed it, the static DH (secret: a thread handed a
 * copy zeroes it after use, as it does `recipient.privateRaw`).
 */
export interface InputOpeningKeys {
  readonly recipient: RecipientKeys;
  readonly sender: SigningPublicKey;
  readonly senderHpke: AuthSender | undefined;
}

/**
 * Checks the sender's keys now (`KEY_INVALID`), so a bad one is refused before any envelope is opened with it.
 * `senderHpkeKey` is the party's HPKE key, as raw bytes or with its static DH (`authSenderOf`) already done.
 */
export function inputOpeningKeysOf(
  recipientPrivateKey: HpkePrivateKey,
  senderPublicKey: SigningPublicKey,
  senderHpkeKey?: HpkePublicKey | AuthSender,
): InputOpeningKeys {
  importedSigningKeyOf(senderPublicKey);
  return {
    recipient: recipientKeysOf(recipientPrivateKey),
    sender: { alg: senderPublicKey.alg, spki: senderPublicKey.spki },
    senderHpke:
      senderHpkeKey === undefined || 'publicRaw' in senderHpkeKey
        ? senderHpkeKey
        : { publicRaw: rawHpkePublicKey(senderHpkeKey) },
  };
}

/** `openInput` with keys imported beforehand (by `inputOpeningKeysOf`, possibly on another thread). */
export async function openInputWithKeys(
  envelope: unknown,
  keys: InputOpeningKeys,
  expected: InputBinding,
): Promise<OpenedInput> {
  const parsed =
    typeof envelope === 'object' && envelope !== null && validatedEnvelopes.has(envelope)
      ? (envelope as InputEnvelope)
      : parseWith(inputEnvelopeSchema, envelope, 'MESSAGE_INVALID', 'input envelope');
  if (parsed.auth === 'signature') {
    assertProtocolSignature(
      CONTEXTS.inputEnvelope,
      unsigned(parsed),
      parsed.signature,
      keys.sender,
      'input envelope',
    );
  } else if (keys.senderHpke === undefined) {
    throw new ProtocolError(
      'SENDER_KEY_MISSING',
      `input envelope is authenticated by HPKE (auth "hpke") but party "${expected.partyId}" has no hpkePublicKey ` +
        'in the manifest: seal it with a signature instead',
    );
  }
  assertBindingMatches(parsed, expected, 'input envelope');
  let plaintext: Uint8Array;
  try {
    plaintext = openSingleShot(
      parsed.suite,
      keys.recipient,
      parsed.enc,
      inputInfo(expected, 'single'),
      NO_AAD,
      parsed.ciphertext,
      parsed.auth === 'hpke' ? keys.senderHpke : undefined,
    );
  } catch (error) {
    throw new ProtocolError(
      'HPKE_OPEN_FAILED',
      parsed.auth === 'hpke'
        ? "the input does not open with the session key and the party's HPKE key: tampered, sealed to another " +
            'key or binding, or not sealed by this party'
        : 'the input does not open with the session key: tampered, or sealed to another key or binding',
      { cause: error },
    );
  }
  return { plaintext, commitment: inputCommitment(parsed) };
}

/** SHA-256 of the envelope's canonical CBOR (a hash of ciphertext: reveals nothing of a low-entropy input). */
export function inputCommitment(envelope: InputEnvelope): Uint8Array {
  return new Uint8Array(hash('sha256', encodeProtocolValue(envelope), 'buffer'));
}

export function pickBinding(value: InputBinding): InputBinding {
  return {
    sessionId: value.sessionId,
    inputName: value.inputName,
    partyId: value.partyId,
    round: value.round,
  };
}
