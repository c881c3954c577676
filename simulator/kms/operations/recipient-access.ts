import { type AttestedRecipient, verifyRecipient } from '../recipient/index.js';
import type { OperationContext } from './context.js';

/** The `Recipient` member as the request schema leaves it. */
export interface RecipientMember {
  readonly AttestationDocument: Uint8Array;
  readonly KeyEncryptionAlgorithm?: 'RSAES_OAEP_SHA_256' | undefined;
}

/** Verifies a request's Recipient document, if it has one, against the simulator's NSM roots. */
export async function attestedRecipient(
  ctx: OperationContext,
  member: RecipientMember | undefined,
): Promise<AttestedRecipient | undefined> {
  if (member === undefined) return undefined;
  return verifyRecipient(
    { attestationDocument: member.AttestationDocument, keyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' },
    { roots: ctx.recipient.roots, at: ctx.now(), maxAgeMs: ctx.recipient.maxAgeMs },
  );
}
