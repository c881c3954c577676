import { createDecipheriv, createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  sha256ConcatFunction,
  shamirEncryptFunction,
  shamirSignFunction,
} from '../../enclave/functions/index.js';
import { FIELD_PRIME, mod } from '../../enclave/functions/support/prime-field.js';
import { reconstructSecret } from '../../enclave/functions/support/shamir.js';
import { codeOf, run } from './support.js';

/** Shares of `secret` on a random polynomial of degree threshold - 1, at x = 1..count. */
function split(secret: bigint, threshold: number, count: number): { x: bigint; y: bigint }[] {
  const coefficients = [
    secret,
    ...Array.from({ length: threshold - 1 }, () => mod(BigInt(`0x${randomBytes(32).toString('hex')}`))),
  ];
  return Array.from({ length: count }, (_, i) => {
    const x = BigInt(i + 1);
    const y = coefficients.reduceRight((acc, c) => mod(acc * x + c), 0n);
    return { x, y };
  });
}

function asInputs(shares: { x: bigint; y: bigint }[]): Record<string, { x: string; y: string }> {
  return Object.fromEntries(shares.map((s, i) => [`p${i}`, { x: s.x.toString(), y: s.y.toString() }]));
}

describe('sha256-concat', () => {
  it('hashes inputs in party-id order or the agreed order', async () => {
    const expectAbc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect((await run(sha256ConcatFunction, {}, { b: 'b', c: Uint8Array.of(0x63), a: 'a' })).digest).toBe(
      expectAbc,
    );
    const ordered = await run(sha256ConcatFunction, { order: ['b', 'a', 'c'] }, { c: 'a', a: 'b', b: 'c' });
    expect(ordered).toEqual({
      digest: createHash('sha256').update('cba').digest('hex'),
      order: ['b', 'a', 'c'],
    });
    expect(
      (await run(sha256ConcatFunction, { order: ['x', 'y', 'z'] }, { z: 'c', x: 'a', y: 'b' })).digest,
    ).toBe(expectAbc);
    expect(await codeOf(run(sha256ConcatFunction, { order: ['a'] }, { a: 'x', b: 'y' }))).toBe(
      'FUNCTION_PARTIES_INVALID',
    );
  });
});

describe('Shamir reconstruction', () => {
  it('reconstructs from any threshold of random shares (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: FIELD_PRIME - 1n }),
        fc.integer({ min: 1, max: 6 }),
        (secret, t) => {
          const shares = split(secret, t, t + 2);
          const inputs = new Map(shares.map((s, i) => [`p${i}`, s]));
          expect(reconstructSecret(inputs, t)).toBe(secret);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('signs with the reconstructed key; only the signature and public key leave', async () => {
    const shares = split(12345678901234567890n, 3, 4);
    const message = Buffer.from('transfer 10 BTC').toString('hex');
    const result = await run(shamirSignFunction, { threshold: 3, message }, asInputs(shares));
    expect(Object.keys(result).sort()).toEqual(['publicKey', 'signature']);
    const spki = Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      Buffer.from(result.publicKey, 'hex'),
    ]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(message, 'hex'), key, Buffer.from(result.signature, 'hex'))).toBe(true);
    // Any other qualifying subset gives the same key.
    const again = await run(shamirSignFunction, { threshold: 3, message }, asInputs(shares.slice(1)));
    expect(again).toEqual(result);
  });

  it('encrypts with the reconstructed key, deterministically', async () => {
    const secret = 987654321n;
    const shares = split(secret, 2, 3);
    const plaintext = Buffer.from('quarterly numbers').toString('hex');
    const result = await run(shamirEncryptFunction, { threshold: 2, plaintext }, asInputs(shares));
    expect(await run(shamirEncryptFunction, { threshold: 2, plaintext }, asInputs(shares))).toEqual(result);
    const key = Buffer.from(secret.toString(16).padStart(64, '0'), 'hex');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(result.nonce, 'hex'));
    decipher.setAuthTag(Buffer.from(result.tag, 'hex'));
    const opened = Buffer.concat([decipher.update(Buffer.from(result.ciphertext, 'hex')), decipher.final()]);
    expect(opened.toString('hex')).toBe(plaintext);
  });

  it('refuses too few shares, a repeated x, an inconsistent share and out-of-field values', async () => {
    const shares = split(42n, 3, 4);
    const message = '00';
    expect(
      await codeOf(run(shamirSignFunction, { threshold: 3, message }, asInputs(shares.slice(0, 2)))),
    ).toBe('FUNCTION_PARTIES_INVALID');
    const repeated = [...shares.slice(0, 3), shares[0] as { x: bigint; y: bigint }];
    expect(await codeOf(run(shamirSignFunction, { threshold: 3, message }, asInputs(repeated)))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    const tampered = shares.map((s, i) => (i === 3 ? { x: s.x, y: mod(s.y + 1n) } : s));
    expect(await codeOf(run(shamirSignFunction, { threshold: 3, message }, asInputs(tampered)))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    const outside = { p0: { x: '1', y: FIELD_PRIME.toString() } };
    expect(await codeOf(run(shamirSignFunction, { threshold: 1, message }, outside))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    expect(await codeOf(run(shamirSignFunction, { threshold: 1, message }, { p0: { x: '0', y: '1' } }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
  });
});
