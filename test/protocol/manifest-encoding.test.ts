/**
 * A parsed manifest's encoding and session id are computed once (a 1,000-party manifest costs ~90 ms to encode),
 * and can never go stale: the parsed manifest is frozen, and its parameters (passed through by reference) are
 * compared on every use.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCanonicalCbor } from '../../common/cbor/index.js';
import { encodeManifest, type Manifest, parseManifest, sessionIdOf } from '../../protocol/index.js';
import { makeManifest, makeParties, type TestParty } from './fixtures.js';

let parties: TestParty[];

beforeAll(async () => {
  parties = await makeParties();
});

/** The session id computed from scratch, as before any caching. */
async function freshId(manifest: Manifest): Promise<Uint8Array> {
  const bytes = encodeCanonicalCbor(structuredClone(manifest));
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

describe('a parsed manifest', () => {
  it('is frozen: changing a rule in place throws instead of silently changing the agreement', () => {
    const manifest = makeManifest(parties);
    expect(Object.isFrozen(manifest)).toBe(true);
    expect(() => {
      (manifest as { threshold: number }).threshold = 1;
    }).toThrow(TypeError);
    expect(() => {
      (manifest.parties as unknown as unknown[]).push({});
    }).toThrow(TypeError);
    expect(() => {
      (manifest.window as { closesAt: number }).closesAt = 0;
    }).toThrow(TypeError);
  });

  it('keeps its session id and encoding equal to a fresh computation, and hands out copies', async () => {
    const manifest = makeManifest(parties);
    expect(sessionIdOf(manifest)).toEqual(await freshId(manifest));
    expect(sessionIdOf(manifest)).toEqual(sessionIdOf(manifest));
    const id = sessionIdOf(manifest);
    id.fill(0);
    expect(sessionIdOf(manifest)).toEqual(await freshId(manifest));
    const bytes = encodeManifest(manifest);
    bytes.fill(0);
    expect(encodeManifest(manifest)).toEqual(encodeCanonicalCbor(structuredClone(manifest)));
  });

  it('gets a new session id when its parameters (not frozen, held by reference) change', async () => {
    const parameters = { decimals: 2 };
    const manifest = makeManifest(parties, { parameters });
    const before = sessionIdOf(manifest);
    parameters.decimals = 3;
    const after = sessionIdOf(manifest);
    expect(after).not.toEqual(before);
    expect(after).toEqual(await freshId(manifest));
  });

  it('re-parses to itself; an unfrozen copy is validated and encoded as before', () => {
    const manifest = makeManifest(parties);
    expect(parseManifest(manifest)).toBe(manifest);
    const copy = structuredClone(manifest);
    expect(Object.isFrozen(copy)).toBe(false);
    expect(sessionIdOf(copy)).toEqual(sessionIdOf(manifest));
    expect(() => parseManifest({ ...copy, threshold: 0 })).toThrow(
      expect.objectContaining({ code: 'MANIFEST_INVALID' }),
    );
  });
});
