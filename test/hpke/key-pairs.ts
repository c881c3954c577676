import { beforeAll } from 'vitest';
import { generateHpkeKeyPair, type HpkeAead, type HpkeKeyPair } from '../../protocol/index.js';

/** The AEADs envelopes may use: HPKE tests run for each. */
export const AEADS = ['AES-256-GCM', 'ChaCha20Poly1305'] as const satisfies readonly HpkeAead[];

export interface TestKeyPairs {
  /** What is sealed to. */
  readonly recipient: HpkeKeyPair;
  /** A stranger's pair, for opening with the wrong key. */
  readonly other: HpkeKeyPair;
}

/** Two HPKE key pairs made once for the calling test file (in its `beforeAll`); read them inside tests. */
export function useKeyPairs(): TestKeyPairs {
  const pairs = {} as { recipient: HpkeKeyPair; other: HpkeKeyPair };
  beforeAll(async () => {
    pairs.recipient = await generateHpkeKeyPair();
    pairs.other = await generateHpkeKeyPair();
  });
  return pairs;
}
