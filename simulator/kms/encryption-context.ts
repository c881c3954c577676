/**
 * Encryption context: non-secret key/value pairs bound to a ciphertext (KMS Developer Guide, "Encryption
 * context"). The same pairs, in any order, must be presented to decrypt. The canonical form sorts pairs by key
 * and length-prefixes every string, so that no two different contexts encode alike.
 */

export type EncryptionContext = Readonly<Record<string, string>>;

export function canonicalEncryptionContext(context: EncryptionContext | undefined): Uint8Array {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: Buffer[] = [];
  const field = (text: string): void => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.byteLength);
    parts.push(length, bytes);
  };
  field(String(entries.length));
  for (const [key, value] of entries) {
    field(key);
    field(value);
  }
  return new Uint8Array(Buffer.concat(parts));
}
