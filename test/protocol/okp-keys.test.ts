import { createPublicKey, diffieHellman, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateOkpPrivateKey } from '../../common/okp-keys.js';

describe('Ed25519 and X25519 keys imported from random bytes', () => {
  it('are working keys of their type, a new one each time', () => {
    const ed = generateOkpPrivateKey('ed25519');
    expect(ed.asymmetricKeyType).toBe('ed25519');
    const message = Buffer.from('nitro-mpc');
    expect(verify(null, message, createPublicKey(ed), sign(null, message, ed))).toBe(true);

    const [a, b] = [generateOkpPrivateKey('x25519'), generateOkpPrivateKey('x25519')];
    expect(a.asymmetricKeyType).toBe('x25519');
    const ab = diffieHellman({ privateKey: a, publicKey: createPublicKey(b) });
    const ba = diffieHellman({ privateKey: b, publicKey: createPublicKey(a) });
    expect(ab.equals(ba)).toBe(true);
    expect(createPublicKey(a).export({ format: 'der', type: 'spki' })).not.toEqual(
      createPublicKey(b).export({ format: 'der', type: 'spki' }),
    );
  });
});
