/** Parties with real keys and a valid three-party manifest, for the protocol tests. */
import { bytesToHex } from '../../common/bytes.js';
import {
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type HpkeKeyPair,
  type Manifest,
  parseManifest,
  type SigningAlgorithm,
  type SigningKeyPair,
} from '../../protocol/index.js';
import { productionPcrs } from '../helpers/pki.js';

export interface TestParty {
  readonly id: string;
  readonly signing: SigningKeyPair;
  readonly hpke: HpkeKeyPair;
}

export async function makeParty(id: string, alg: SigningAlgorithm): Promise<TestParty> {
  return { id, signing: generateSigningKeyPair(alg), hpke: await generateHpkeKeyPair() };
}

export const AT = Date.parse('2026-07-01T00:00:00Z');

export async function makeParties(): Promise<TestParty[]> {
  return [
    await makeParty('alice', 'Ed25519'),
    await makeParty('bob', 'ES256'),
    await makeParty('carol', 'Ed25519'),
  ];
}

/** alice and bob provide, carol only receives; PCR0..2 as `productionPcrs()` makes them. */
export function makeManifest(parties: readonly TestParty[], overrides: Partial<Manifest> = {}): Manifest {
  const pcrs = productionPcrs();
  return parseManifest({
    version: 1,
    salt: '00112233445566778899aabbccddeeff',
    function: { id: 'mean', version: '1.0.0', measurement: 'ab'.repeat(32) },
    parameters: { decimals: 2 },
    parties: parties.map((p) => ({
      id: p.id,
      displayName: `${p.id} inc.`,
      signingKey: p.signing.publicKey,
      hpkePublicKey: p.hpke.publicKey,
    })),
    inputs: [
      {
        name: 'salaries-a',
        provider: 'alice',
        schema: 'numbers',
        maxBytes: 1 << 20,
        maxItems: 1000,
        provide: 'once',
      },
      { name: 'salaries-b', provider: 'bob', schema: 'numbers', maxBytes: 1 << 20, provide: 'each-round' },
    ],
    recipients: [
      { party: 'alice', view: 'full', delivery: 'encrypted' },
      { party: 'bob', view: 'full', delivery: 'encrypted' },
      { party: 'carol', view: { partial: 'count-only' }, delivery: 'clear' },
    ],
    threshold: 2,
    window: { opensAt: AT, closesAt: AT + 3_600_000 },
    resubmission: 'reject',
    evaluation: { trigger: 'on-request', requesters: ['carol'] },
    rounds: 2,
    enclave: {
      pcrs: [0, 1, 2].map((index) => ({ index, allowed: [bytesToHex(pcrs.get(index) ?? new Uint8Array())] })),
    },
    ...overrides,
  });
}

/** The error code a promise or call fails with, or 'OK'. */
export async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'OK';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : `UNCODED: ${(error as Error).message}`;
  }
}
