import { readFile } from 'node:fs/promises';
import { CliError } from './errors.js';

/** Most bytes read from a file or stdin; far above any attestation document or receipt. */
const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Reads a file, or stdin for `-`. */
export async function readInput(path: string): Promise<Buffer> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of process.stdin) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        total += buf.length;
        if (total > MAX_INPUT_BYTES)
          throw new CliError('CLI_IO', `stdin is larger than ${MAX_INPUT_BYTES} bytes`);
        chunks.push(buf);
      }
      return Buffer.concat(chunks);
    }
    return await readFile(path);
  } catch (cause) {
    if (cause instanceof CliError) throw cause;
    throw new CliError(
      'CLI_IO',
      `cannot read ${path === '-' ? 'stdin' : path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64_RE = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Binary CBOR as it is, or the same bytes written as hex or base64 (standard or URL-safe) text. CBOR documents
 * start with a byte that is never printable text of either kind (0x84 array, 0xd2 tag), which makes this safe.
 */
export function decodeBinaryOrText(data: Buffer): Uint8Array {
  const first = data[0];
  if (first === undefined) return new Uint8Array(0);
  if (first >= 0x80) return new Uint8Array(data);
  const text = data.toString('latin1').replace(/\s+/g, '');
  if (HEX_RE.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (BASE64_RE.test(text))
    return new Uint8Array(
      Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64'),
    );
  return new Uint8Array(data);
}
