import { Decoder, Encoder } from 'cbor-x';
import { z } from 'zod';
import {
  bytesSchema,
  type DestructionCertificate,
  destructionCertificateSchema,
  epochMsSchema,
  identifierSchema,
  type ManifestApproval,
  manifestApprovalSchema,
} from '../../protocol/index.js';
import { PersistenceError } from './errors.js';

/**
 * What a session's journal records: every change that a party was told about (an approval, an acknowledged
 * input, an evaluated round, a delivered result, the destruction). Replaying the events in order rebuilds the
 * session. Plaintexts and private keys are in here: the journal only ever leaves the enclave sealed.
 */
export type JournalEvent =
  | {
      readonly type: 'created';
      readonly at: number;
      readonly manifest: Uint8Array;
      /** Raw X25519 private key: stored inputs can be opened after a restart, as the attested key promised. */
      readonly hpkePrivateKey: Uint8Array;
      /** PKCS#8: receipts after a restart verify against the key parties already checked. */
      readonly signingPrivateKey: Uint8Array;
    }
  | { readonly type: 'approved'; readonly at: number; readonly approval: ManifestApproval }
  | {
      readonly type: 'input';
      readonly at: number;
      readonly inputName: string;
      readonly partyId: string;
      readonly round: number;
      readonly plaintext: Uint8Array;
      readonly commitment: Uint8Array;
    }
  | { readonly type: 'evaluated'; readonly at: number; readonly round: number; readonly output: unknown }
  | { readonly type: 'delivered'; readonly at: number; readonly round: number; readonly partyId: string }
  | { readonly type: 'destroyed'; readonly at: number; readonly certificate: DestructionCertificate };

const roundSchema = z.int().min(1).max(1_000_000);

const journalEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('created'),
    at: epochMsSchema,
    manifest: bytesSchema(1, 16 * 1024 * 1024),
    hpkePrivateKey: bytesSchema(32, 32),
    signingPrivateKey: bytesSchema(16, 512),
  }),
  z.strictObject({ type: z.literal('approved'), at: epochMsSchema, approval: manifestApprovalSchema }),
  z.strictObject({
    type: z.literal('input'),
    at: epochMsSchema,
    inputName: identifierSchema,
    partyId: identifierSchema,
    round: roundSchema,
    plaintext: z.instanceof(Uint8Array),
    commitment: bytesSchema(32, 32),
  }),
  z.strictObject({
    type: z.literal('evaluated'),
    at: epochMsSchema,
    round: roundSchema,
    output: z.unknown(),
  }),
  z.strictObject({
    type: z.literal('delivered'),
    at: epochMsSchema,
    round: roundSchema,
    partyId: identifierSchema,
  }),
  z.strictObject({
    type: z.literal('destroyed'),
    at: epochMsSchema,
    certificate: destructionCertificateSchema,
  }),
]);

// Function outputs are arbitrary JS values (objects, Maps, bigints, byte arrays): cbor-x's structured mode keeps
// each one's type through the round trip. Only this enclave reads these bytes, after the seal authenticated them.
const options = { structuredClone: true, useRecords: false, mapsAsObjects: true } as const;
const encoder = new Encoder(options);
const decoder = new Decoder(options);

export function encodeJournalEvent(event: JournalEvent): Uint8Array {
  return new Uint8Array(encoder.encode(event));
}

export function decodeJournalEvent(bytes: Uint8Array, counter: number): JournalEvent {
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch {
    throw new PersistenceError('STATE_UNREADABLE', `record ${counter} is not an event this build can read`);
  }
  const parsed = journalEventSchema.safeParse(value);
  if (!parsed.success) {
    throw new PersistenceError(
      'STATE_UNREADABLE',
      `record ${counter} is not an event this build can read: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return parsed.data as JournalEvent;
}
