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
  recipientKeysOf,
} from './keys.js';
import { openSingleShot } from './single-shot-open.js';
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

/**
 * One sealed input. Wire form: canonical CBOR map {v, suite{kem,kdf,aead}, sessionId, inputName, partyId, round,
 * enc, ciphertext, signature}. The binding is in the HPKE `info` (see `inputInfo`); `signature` is the party's
 * over [CONTEXTS.inputEnvelope, every other field].
 */
export const inputEnvelopeSchema = z.strictObject({
  ...inputBindingSchema.shape,
  v: z.literal(1),
  suite: hpkeSuiteIdsSchema,
  enc: bytesSchema(HPKE_ENC_BYTES, HPKE_ENC_BYTES),
  ciphertext: bytesSchema(HPKE_TAG_BYTES, MAX_ENVELOPE_PLAINTEXT_BYTES + HPKE_TAG_BYTES),
  signature: bytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
});
export type InputEnvelope = z.infer<typeof inputEnvelopeSchema>;

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

export interface SealInputParams extends InputBinding {
  readonly plaintext: Uint8Array;
  /** The session's HPKE key, taken from a verified attestation (`verifySessionAttestation`). */
  readonly recipientPublicKey: HpkePublicKey;
  readonly senderSigningKey: KeyObject;
  /** Default AES-256-GCM. */
  readonly aead?: HpkeAead;
}

function unsigned(envelope: InputEnvelope): Omit<InputEnvelope, 'signature'> {
  const { signature: _signature, ...rest } = envelope;
  return rest;
}

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
  });
  const ciphertext = new Uint8Array(await sender.seal(params.plaintext));
  // Field by field: on node 20 a spread followed by more fields costs microseconds per object.
  const { sessionId, inputName, partyId, round } = binding;
  const enc = new Uint8Array(sender.enc);
  const body = { sessionId, inputName, partyId, round, v: 1 as const, suite, enc, ciphertext };
  const signature = signProtocolValue(CONTEXTS.inputEnvelope, body, params.senderSigningKey);
  return { sessionId, inputName, partyId, round, v: 1, suite, enc, ciphertext, signature };
}

export interface OpenedInput {
  readonly plaintext: Uint8Array;
  /** SHA-256 of the envelope's canonical bytes: commits to the input without revealing it (for receipts). */
  readonly commitment: Uint8Array;
}

/**
 * Checks the envelope's schema, the sender's signature, then that it is bound to `expected`, and only then opens
 * it. HPKE opens with the `info` built from `expected`, so even a forged claim could not open elsewhere.
 */
export async function openInput(
  envelope: unknown,
  recipientPrivateKey: HpkePrivateKey,
  expected: InputBinding,
  senderPublicKey: SigningPublicKey,
): Promise<OpenedInput> {
  return await openInputWithKeys(
    envelope,
    inputOpeningKeysOf(recipientPrivateKey, senderPublicKey),
    expected,
  );
}

/**
 * The keys that open one party's envelopes, in a form a worker thread can be handed cheaply: raw bytes and strings
 * where they suffice (cloning a `KeyObject` to a thread costs more than the Ed25519 check it serves). The sender's
 * key is its spec; each thread imports it once into its own cache.
 */
export interface InputOpeningKeys {
  readonly recipient: RecipientKeys;
  readonly sender: SigningPublicKey;
}

/** Checks the sender's key now (`KEY_INVALID`), so a bad one is refused before any envelope is opened with it. */
export function inputOpeningKeysOf(
  recipientPrivateKey: HpkePrivateKey,
  senderPublicKey: SigningPublicKey,
): InputOpeningKeys {
  importedSigningKeyOf(senderPublicKey);
  return {
    recipient: recipientKeysOf(recipientPrivateKey),
    sender: { alg: senderPublicKey.alg, spki: senderPublicKey.spki },
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
  assertProtocolSignature(
    CONTEXTS.inputEnvelope,
    unsigned(parsed),
    parsed.signature,
    keys.sender,
    'input envelope',
  );
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
    );
  } catch (error) {
    throw new ProtocolError(
      'HPKE_OPEN_FAILED',
      'the input does not open with the session key: tampered, or sealed to another key or binding',
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
