import { beforeAll, describe, expect, it } from 'vitest';
import {
  AttestationError,
  type AttestationPolicy,
  DEFAULT_CLOCK_TOLERANCE_MS,
  verifyAttestationDocument,
} from '../../attestation/index.js';
import { bytesToHex } from '../../common/bytes.js';
import { type NitroLikeChain, nitroLikeChain, productionPcrs, signTestDocument } from '../helpers/pki.js';

const AT = Date.parse('2026-07-01T00:00:00Z');
const nonce = new Uint8Array(32).fill(0x11);
const userData = new Uint8Array(64).fill(0x22);
const publicKey = new Uint8Array(91).fill(0x33);
let chain: NitroLikeChain;
let doc: Uint8Array;

beforeAll(async () => {
  chain = await nitroLikeChain(AT);
  doc = signTestDocument({ chain, timestamp: AT, nonce, userData, publicKey });
});

async function check(policy: AttestationPolicy, bytes = doc): Promise<string> {
  try {
    await verifyAttestationDocument(bytes, { roots: [chain.root.der], at: AT, ...policy });
    return 'VALID';
  } catch (error) {
    expect(error).toBeInstanceOf(AttestationError);
    return (error as AttestationError).code;
  }
}

describe('attestation policy', () => {
  it('accepts matching nonce, user_data and public_key given as hex or bytes', async () => {
    expect(await check({ nonce, userData, publicKey })).toBe('VALID');
    expect(
      await check({
        nonce: bytesToHex(nonce),
        userData: bytesToHex(userData),
        publicKey: bytesToHex(publicKey),
      }),
    ).toBe('VALID');
  });

  it('refuses a different or missing nonce, user_data, public_key', async () => {
    expect(await check({ nonce: new Uint8Array(32) })).toBe('ATTESTATION_NONCE_MISMATCH');
    expect(await check({ userData: 'ff' })).toBe('ATTESTATION_USER_DATA_MISMATCH');
    expect(await check({ publicKey: bytesToHex(publicKey).slice(2) })).toBe(
      'ATTESTATION_PUBLIC_KEY_MISMATCH',
    );
    const bare = signTestDocument({ chain, timestamp: AT });
    expect(await check({ nonce }, bare)).toBe('ATTESTATION_NONCE_MISMATCH');
    expect(await check({ userData }, bare)).toBe('ATTESTATION_USER_DATA_MISMATCH');
    expect(await check({ publicKey }, bare)).toBe('ATTESTATION_PUBLIC_KEY_MISMATCH');
  });

  it('refuses a PCR that is absent from the document', async () => {
    const few = signTestDocument({
      chain,
      timestamp: AT,
      pcrs: new Map([
        [0, new Uint8Array(48).fill(9)],
        [1, new Uint8Array(48).fill(9)],
        [2, new Uint8Array(48).fill(9)],
      ]),
    });
    expect(await check({ pcrs: { 8: '00'.repeat(48) } }, few)).toBe('ATTESTATION_PCR_MISMATCH');
  });

  it('refuses debug enclaves unless allowDebug, and any zero PCR among 0..2 counts', async () => {
    const pcrs = productionPcrs();
    pcrs.set(1, new Uint8Array(48));
    const partlyZero = signTestDocument({ chain, timestamp: AT, pcrs });
    expect(await check({}, partlyZero)).toBe('ATTESTATION_DEBUG_ENCLAVE');
    expect(await check({ allowDebug: true }, partlyZero)).toBe('VALID');
  });

  it('applies maxAgeMs relative to at', async () => {
    expect(await check({ maxAgeMs: 1000, at: AT + 1000 })).toBe('VALID');
    expect(await check({ maxAgeMs: 1000, at: AT + 1001 })).toBe('ATTESTATION_STALE');
  });

  it('refuses documents dated after the verification time beyond the clock tolerance', async () => {
    const later = AT + 600_000;
    const dated = signTestDocument({ chain, timestamp: later });
    expect(await check({ at: later - DEFAULT_CLOCK_TOLERANCE_MS }, dated)).toBe('VALID');
    expect(await check({ at: later - DEFAULT_CLOCK_TOLERANCE_MS - 1 }, dated)).toBe(
      'ATTESTATION_FROM_FUTURE',
    );
    expect(await check({ at: later - 5_000, clockToleranceMs: 1000 }, dated)).toBe('ATTESTATION_FROM_FUTURE');
  });

  it('refuses unusable policies before looking at the document', async () => {
    const garbage = new Uint8Array([1, 2, 3]);
    const bad: AttestationPolicy[] = [
      { pcrs: { 0: 'zz' } },
      { pcrs: { 0: 'abcd' } },
      { pcrs: { 32: '00'.repeat(48) } },
      { pcrs: { 0: [] } },
      { nonce: 'xyz' },
      { maxAgeMs: -1 },
      { clockToleranceMs: Number.NaN },
      { at: Number.NaN },
      { at: new Date('not a date') },
    ];
    for (const policy of bad) expect(await check(policy, garbage)).toBe('ATTESTATION_POLICY_INVALID');
  });

  it('reports the failure as a code, a message and non-secret details', async () => {
    const error = (await verifyAttestationDocument(doc, {
      roots: [chain.root.der],
      at: AT,
      pcrs: { 2: '00'.repeat(48) },
    }).catch((e: unknown) => e)) as AttestationError;
    expect(error.toJSON()).toEqual({
      code: 'ATTESTATION_PCR_MISMATCH',
      message: expect.stringContaining('PCR2 is'),
      details: { pcr: 2, actual: '03'.repeat(48), expected: ['00'.repeat(48)] },
    });
    expect(error.name).toBe('AttestationError');
  });
});
