import { z } from 'zod';

/**
 * The attestation document payload the Nitro Secure Module signs (AWS Nitro Enclaves User Guide, "Attestation
 * document specification"), with the limits observed in real documents. Unknown fields are refused: a verifier
 * fails closed on a format it does not know.
 */

/** Field size limits. Real AWS documents carry 1024-byte nonce and user_data (see test vectors). */
export const NSM_LIMITS = {
  moduleId: 256,
  pcrCount: 32,
  publicKey: 1024,
  userData: 1024,
  nonce: 1024,
  certificate: 4096,
  cabundle: 16,
} as const;

/** PCR value lengths allowed by the NSM: SHA-256, SHA-384 or SHA-512 sized. */
const PCR_LENGTHS = new Set([32, 48, 64]);

/** Anything below this cannot be a millisecond timestamp of a Nitro document (2001-09-09, 10^12 ms). */
const MIN_TIMESTAMP_MS = 1_000_000_000_000;

const bytes = (min: number, max: number) =>
  z
    .instanceof(Uint8Array)
    .refine((b) => b.byteLength >= min && b.byteLength <= max, { message: `must be ${min}..${max} bytes` });

const optionalBytes = (max: number) => bytes(0, max).nullable().optional();

export const nsmPayloadSchema = z.strictObject({
  module_id: z.string().min(1).max(NSM_LIMITS.moduleId),
  digest: z.literal('SHA384'),
  // Eight-byte CBOR integers decode as bigint; the NSM writes the timestamp that way.
  timestamp: z
    .union([z.number().int(), z.bigint()])
    .refine((t) => t >= MIN_TIMESTAMP_MS && t <= Number.MAX_SAFE_INTEGER, {
      message: 'must be milliseconds since the Unix epoch',
    })
    .transform(Number),
  pcrs: z
    .map(
      z
        .number()
        .int()
        .min(0)
        .max(NSM_LIMITS.pcrCount - 1),
      z.instanceof(Uint8Array),
    )
    .refine((m) => m.size >= 1, { message: 'must hold at least one PCR' })
    .refine((m) => [...m.values()].every((v) => PCR_LENGTHS.has(v.byteLength)), {
      message: 'every PCR must be 32, 48 or 64 bytes',
    }),
  certificate: bytes(1, NSM_LIMITS.certificate),
  cabundle: z.array(bytes(1, NSM_LIMITS.certificate)).min(1).max(NSM_LIMITS.cabundle),
  public_key: optionalBytes(NSM_LIMITS.publicKey),
  user_data: optionalBytes(NSM_LIMITS.userData),
  nonce: optionalBytes(NSM_LIMITS.nonce),
});

export type NsmPayload = z.infer<typeof nsmPayloadSchema>;
