import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCanonicalCbor } from '../../common/cbor/index.js';
import {
  allApproved,
  decodeManifest,
  encodeManifest,
  generateSigningKeyPair,
  type Manifest,
  parseManifest,
  pendingApprovals,
  sessionIdOf,
  signApproval,
  verifyApproval,
} from '../../protocol/index.js';
import { codeOf, makeManifest, makeParties, type TestParty } from './fixtures.js';

let parties: TestParty[];
let manifest: Manifest;

beforeAll(async () => {
  parties = await makeParties();
  manifest = makeManifest(parties);
});

const party = (i: number): TestParty => {
  const p = parties[i];
  if (p === undefined) throw new Error('no such party');
  return p;
};

function withField(path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(manifest) as unknown as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (last !== undefined) at[last] = value;
  return copy;
}

describe('manifest', () => {
  it('round-trips through canonical CBOR with a stable session id', () => {
    const bytes = encodeManifest(manifest);
    const decoded = decodeManifest(bytes);
    expect(decoded).toEqual(manifest);
    expect(Buffer.from(encodeManifest(decoded)).equals(Buffer.from(bytes))).toBe(true);
    const id = sessionIdOf(manifest);
    expect(id.byteLength).toBe(32);
    expect(sessionIdOf(bytes)).toEqual(id);
    expect(sessionIdOf(decoded)).toEqual(id);
    expect(sessionIdOf(makeManifest(parties, { salt: 'ff'.repeat(16) }))).not.toEqual(id);
  });

  it('gives the same id whatever the property order of the object it was built from', () => {
    const reversed = Object.fromEntries(Object.entries(manifest).reverse());
    expect(sessionIdOf(parseManifest(reversed))).toEqual(sessionIdOf(manifest));
  });

  it('refuses non-canonical bytes with MANIFEST_NOT_CANONICAL', async () => {
    const bytes = encodeManifest(manifest);
    // The same map with its first two entries swapped: well-formed, same content, not canonical.
    const decoded = decodeManifest(bytes) as unknown as Record<string, unknown>;
    const entries = Object.entries(decoded);
    const [first, second, ...rest] = entries;
    if (!first || !second) throw new Error('unexpected');
    const unsorted = new Map<unknown, unknown>([second, first, ...rest]);
    const { encodeCbor } = await import('../../common/cbor/index.js');
    const swapped = encodeCbor(unsorted);
    expect(await codeOf(() => decodeManifest(swapped))).toBe('MANIFEST_NOT_CANONICAL');
    expect(await codeOf(() => sessionIdOf(swapped))).toBe('MANIFEST_NOT_CANONICAL');
    expect(await codeOf(() => decodeManifest(Uint8Array.of(0xa1, 0x61)))).toBe('MANIFEST_INVALID');
  });

  it('refuses unknown fields, at the top and nested', async () => {
    expect(await codeOf(() => parseManifest({ ...manifest, extra: 1 }))).toBe('MANIFEST_INVALID');
    expect(await codeOf(() => parseManifest(withField(['function', 'extra'], 'x')))).toBe('MANIFEST_INVALID');
    const bytes = encodeCanonicalCbor({ ...manifest, extra: 1 });
    expect(await codeOf(() => decodeManifest(bytes))).toBe('MANIFEST_INVALID');
  });

  const bad: [string, (string | number)[], unknown][] = [
    ['an input provider that is not a party', ['inputs', 0, 'provider'], 'mallory'],
    ['a recipient that is not a party', ['recipients', 0, 'party'], 'mallory'],
    ['a requester that is not a party', ['evaluation', 'requesters'], ['mallory']],
    ['a threshold above the number of inputs', ['threshold'], 3],
    ['a zero threshold', ['threshold'], 0],
    ['a window that closes before it opens', ['window', 'closesAt'], 0],
    ['duplicate party ids', ['parties', 1, 'id'], 'alice'],
    ['duplicate input names', ['inputs', 1, 'name'], 'salaries-a'],
    ['a duplicate PCR index', ['enclave', 'pcrs', 1, 'index'], 0],
    ['an uppercase measurement', ['function', 'measurement'], 'AB'.repeat(32)],
    ['a non-canonical signing key', ['parties', 0, 'signingKey', 'spki'], 'AAAA'],
    ['an unknown resubmission policy', ['resubmission'], 'random'],
    ['a float parameter', ['parameters'], 1.5],
    ['no PCRs', ['enclave', 'pcrs'], []],
  ];
  for (const [what, path, value] of bad) {
    it(`refuses ${what} with MANIFEST_INVALID`, async () => {
      expect(await codeOf(() => parseManifest(withField(path, value)))).toBe('MANIFEST_INVALID');
    });
  }

  it('refuses encrypted delivery to a party without an HPKE key', async () => {
    const { hpkePublicKey: _, ...noKey } = manifest.parties[0] ?? {};
    const m = { ...manifest, parties: [noKey, ...manifest.parties.slice(1)] };
    expect(await codeOf(() => parseManifest(m))).toBe('MANIFEST_INVALID');
  });

  it('never accepts a random mutation of the bytes as the same session', () => {
    const bytes = encodeManifest(manifest);
    const id = Buffer.from(sessionIdOf(manifest)).toString('hex');
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const mutated = new Uint8Array(bytes);
        mutated[at] = (mutated[at] ?? 0) ^ xor;
        try {
          expect(Buffer.from(sessionIdOf(mutated)).toString('hex')).not.toBe(id);
        } catch (error) {
          expect((error as { code?: string }).code).toMatch(/^MANIFEST_/);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('approvals', () => {
  it('verifies approvals by Ed25519 and P-256 parties and reports who is pending', () => {
    const approvals = parties.map((p) => signApproval(manifest, p.id, p.signing.privateKey));
    expect(approvals.map((a) => verifyApproval(manifest, a))).toEqual(['alice', 'bob', 'carol']);
    expect(allApproved(manifest, approvals)).toBe(true);
    expect(pendingApprovals(manifest, approvals.slice(0, 1))).toEqual(['bob', 'carol']);
    expect(allApproved(manifest, approvals.slice(1))).toBe(false);
  });

  it('refuses a wrong signer, another session and a stranger', async () => {
    const approval = signApproval(manifest, 'bob', party(1).signing.privateKey);
    const forged = { ...approval, partyId: 'alice' };
    expect(await codeOf(() => verifyApproval(manifest, forged))).toBe('SIGNATURE_INVALID');
    const other = makeManifest(parties, { salt: 'ee'.repeat(16) });
    expect(await codeOf(() => verifyApproval(other, approval))).toBe('APPROVAL_INVALID');
    expect(await codeOf(() => verifyApproval(manifest, { ...approval, partyId: 'mallory' }))).toBe(
      'APPROVAL_INVALID',
    );
    const tampered = { ...approval, signature: new Uint8Array(approval.signature).fill(1, 0, 1) };
    expect(await codeOf(() => verifyApproval(manifest, tampered))).toBe('SIGNATURE_INVALID');
    expect(await codeOf(() => allApproved(manifest, [forged]))).toBe('SIGNATURE_INVALID');
    const stranger = generateSigningKeyPair('Ed25519');
    expect(await codeOf(() => signApproval(manifest, 'alice', stranger.privateKey))).toBe('APPROVAL_INVALID');
    expect(await codeOf(() => verifyApproval(manifest, { ...approval, extra: 1 }))).toBe('APPROVAL_INVALID');
  });

  it("refuses to approve a manifest that lists someone else's HPKE key for the party", async () => {
    const alice = party(0);
    const bob = party(1);
    // Its own key: approved. No own key given (a caller that only signs): not checked.
    expect(signApproval(manifest, 'alice', alice.signing.privateKey, alice.hpke.publicKey).partyId).toBe(
      'alice',
    );
    // bob's HPKE key in alice's entry: whoever holds it could read alice's results and send inputs as alice.
    const swapped = makeManifest(parties, {
      parties: manifest.parties.map((p) =>
        p.id === 'alice' ? { ...p, hpkePublicKey: bob.hpke.publicKey } : p,
      ),
    });
    expect(
      await codeOf(() => signApproval(swapped, 'alice', alice.signing.privateKey, alice.hpke.publicKey)),
    ).toBe('APPROVAL_INVALID');
    expect(signApproval(swapped, 'bob', bob.signing.privateKey, bob.hpke.publicKey).partyId).toBe('bob');
  });
});
