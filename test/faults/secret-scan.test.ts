/** The scan itself finds a planted marker in every form and place it claims to, and nothing in clean text. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertNoSecrets, findSecrets, type SecretMarker } from '../helpers/secret-scan.js';

const marker: SecretMarker = { label: 'alice input marker', bytes: new Uint8Array(randomBytes(16)) };

/** `marker` inside `before` + marker + `after` random bytes. */
function embedded(before: number, after = 5): Buffer {
  return Buffer.concat([randomBytes(before), marker.bytes, randomBytes(after)]);
}

describe('findSecrets', () => {
  it.each([0, 1, 2, 3, 7])('finds a marker at offset %i in base64 and base64url text', (offset) => {
    const bytes = embedded(offset);
    for (const [encoding, text] of [
      ['base64', `{"msg":"sealed","blob":"${bytes.toString('base64')}"}`],
      ['base64url', `token=${bytes.toString('base64url')}&x=1`],
    ] as const) {
      const found = findSecrets([marker], [{ label: 'log', content: text }]);
      expect(found.map((f) => f.encoding)).toContain(encoding);
    }
  });

  it('finds it raw (binary file), in hex either case, and as JSON byte values', () => {
    const bytes = embedded(3);
    const haystacks = [
      { label: 'file', content: new Uint8Array(bytes) },
      { label: 'hex', content: `value=${bytes.toString('hex')}` },
      { label: 'HEX', content: `VALUE=${bytes.toString('hex').toUpperCase()}` },
      { label: 'json', content: JSON.stringify({ data: Buffer.from(marker.bytes) }) },
    ];
    expect(findSecrets([marker], haystacks).map((f) => `${f.haystack}:${f.encoding}`)).toEqual([
      'file:raw',
      'hex:hex',
      'HEX:HEX',
      'json:json-bytes',
    ]);
  });

  it('finds nothing in text without the marker, and says where without quoting the secret', () => {
    const clean = { label: 'clean', content: randomBytes(1 << 16).toString('base64') };
    expect(findSecrets([marker], [clean])).toEqual([]);
    expect(() => assertNoSecrets([marker], [clean])).not.toThrow();
    const dirty = { label: 'proxy logs', content: Buffer.from(marker.bytes).toString('hex') };
    const error = (() => {
      try {
        assertNoSecrets([marker], [dirty]);
      } catch (e) {
        return e as Error;
      }
      return new Error('none');
    })();
    expect(error.message).toBe('secrets found:\nalice input marker in proxy logs (hex)');
  });

  it('refuses markers too short to be told apart from chance', () => {
    expect(() => findSecrets([{ label: 'short', bytes: new Uint8Array(4) }], [])).toThrow(/12\+/);
  });
});
