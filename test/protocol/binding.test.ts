import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeSessionBinding,
  encodeSessionBinding,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type HpkeKeyPair,
  MAX_USER_DATA_BYTES,
  type Manifest,
  type SigningKeyPair,
  sessionIdOf,
  verifySessionAttestation,
} from '../../protocol/index.js';
import { type NitroLikeChain, nitroLikeChain, productionPcrs, signTestDocument } from '../helpers/pki.js';
import { AT, codeOf, makeManifest, makeParties } from './fixtures.js';

let chain: NitroLikeChain;
let manifest: Manifest;
let sessionKey: HpkeKeyPair;
let enclaveKey: SigningKeyPair;
const nonce = new Uint8Array(32).fill(0x5a);

beforeAll(async () => {
  chain = await nitroLikeChain(AT);
  manifest = makeManifest(await makeParties());
  sessionKey = await generateHpkeKeyPair();
  enclaveKey = generateSigningKeyPair('ES256');
});

function userData(sessionId = sessionIdOf(manifest)): Uint8Array {
  return encodeSessionBinding({
    sessionId,
    hpkePublicKey: sessionKey.publicKey,
    signingKey: enclaveKey.publicKey,
  });
}

function verify(document: Uint8Array, policyNonce: Uint8Array | string = nonce) {
  return verifySessionAttestation(document, {
    manifest,
    nonce: policyNonce,
    roots: [chain.root.der],
    at: AT,
  });
}

describe('attestation binding', () => {
  it('defines user_data as canonical CBOR well under the NSM limit of 1024 bytes, and reads it back', () => {
    const bytes = userData();
    expect(bytes.byteLength).toBeLessThan(MAX_USER_DATA_BYTES / 2);
    const binding = decodeSessionBinding(bytes);
    expect(binding).toMatchObject({ ctx: 'nitro-mpc/v1/session-binding', v: 1 });
    expect(binding.signingKey).toEqual(enclaveKey.publicKey);
  });

  it('verifies a document bound to the session and returns the keys to trust', async () => {
    const document = signTestDocument({ chain, timestamp: AT, nonce, userData: userData() });
    const verified = await verify(document);
    expect(verified.sessionId).toEqual(sessionIdOf(manifest));
    expect(verified.hpkePublicKey).toEqual(sessionKey.publicKey);
    expect(verified.enclaveSigningKey).toEqual(enclaveKey.publicKey);
  });

  it('refuses another session, no binding, a foreign user_data, a wrong nonce and a wrong PCR', async () => {
    const other = signTestDocument({ chain, timestamp: AT, nonce, userData: userData(new Uint8Array(32)) });
    expect(await codeOf(() => verify(other))).toBe('ATTESTATION_BINDING_INVALID');
    const bare = signTestDocument({ chain, timestamp: AT, nonce });
    expect(await codeOf(() => verify(bare))).toBe('ATTESTATION_BINDING_INVALID');
    const foreign = signTestDocument({ chain, timestamp: AT, nonce, userData: new Uint8Array(64).fill(1) });
    expect(await codeOf(() => verify(foreign))).toBe('ATTESTATION_BINDING_INVALID');
    const good = signTestDocument({ chain, timestamp: AT, nonce, userData: userData() });
    expect(await codeOf(() => verify(good, new Uint8Array(32)))).toBe('ATTESTATION_NONCE_MISMATCH');
    const otherPcrs = signTestDocument({
      chain,
      timestamp: AT,
      nonce,
      userData: userData(),
      pcrs: productionPcrs(9),
    });
    expect(await codeOf(() => verify(otherPcrs))).toBe('ATTESTATION_PCR_MISMATCH');
  });

  it('refuses a document from an untrusted root', async () => {
    const stranger = await nitroLikeChain(AT);
    const document = signTestDocument({ chain: stranger, timestamp: AT, nonce, userData: userData() });
    expect(await codeOf(() => verify(document))).toBe('ATTESTATION_ROOT_UNTRUSTED');
  });
});
