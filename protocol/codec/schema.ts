import { z } from 'zod';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';

/** Validates `value` at the edge; a failure is a `ProtocolError` with `code`, naming the first bad fields. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: ProtocolErrorCode,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ProtocolError(code, `${what} is invalid: ${issues.join('; ')}`, {
    details: { issues: issues },
  });
}

/** A byte string of `min..max` bytes (CBOR major type 2). */
export function bytesSchema(min: number, max: number): z.ZodType<Uint8Array> {
  return z.instanceof(Uint8Array).refine((b) => b.byteLength >= min && b.byteLength <= max, {
    message: min === max ? `expected ${min} bytes` : `expected ${min}..${max} bytes`,
  });
}

/** Lowercase hex of exactly `bytes` bytes: one spelling per value, so the canonical bytes are unique. */
export function lowerHexSchema(bytes: number): z.ZodString {
  return z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `expected ${bytes} bytes as lowercase hex`);
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard padded base64 that decodes and re-encodes to itself (no stray bits), `min..max` decoded bytes. */
export function base64Schema(min: number, max: number): z.ZodType<string> {
  return z.string().refine(
    (s) => {
      if (!BASE64_RE.test(s)) return false;
      const bytes = Buffer.from(s, 'base64');
      return bytes.toString('base64') === s && bytes.byteLength >= min && bytes.byteLength <= max;
    },
    { message: `expected canonical base64 of ${min}..${max} bytes` },
  );
}

/** Identifiers (party ids, input names, view names): short, printable, no surprises in logs. */
export const identifierSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'expected 1..64 of [A-Za-z0-9._:-], starting alphanumeric');

/** Milliseconds since the Unix epoch. */
export const epochMsSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const SESSION_ID_BYTES = 32;
export const sessionIdSchema = bytesSchema(SESSION_ID_BYTES, SESSION_ID_BYTES);
