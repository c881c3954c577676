/**
 * The evidence, end to end through the real CLI (`dist/cli.js`, built by the global setup): a simulated
 * document passes `nitro-mpc attestation verify --root <simulator root>` and is refused without it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedNsm, type SimulatedNsm } from '../../simulator/nsm/index.js';
import { stateDirs } from './fixtures.js';

const CLI = resolve(import.meta.dirname, '../../dist/cli.js');
const newStateDir = stateDirs();

let nsm: SimulatedNsm;
let documentPath: string;

beforeAll(async () => {
  const stateDir = newStateDir();
  nsm = await createSimulatedNsm({ stateDir, bundle: new TextEncoder().encode('cli test enclave') });
  documentPath = join(stateDir, 'document.cbor');
  writeFileSync(documentPath, await nsm.attest({ nonce: Uint8Array.of(0xab, 0xcd) }));
});

function verify(...args: string[]): { status: number | null; json: Record<string, unknown> } {
  const run = spawnSync(process.execPath, [CLI, 'attestation', 'verify', documentPath, '--json', ...args], {
    encoding: 'utf8',
  });
  return { status: run.status, json: JSON.parse(run.stdout) as Record<string, unknown> };
}

describe('nitro-mpc attestation verify on a simulated document', () => {
  it('accepts it with --root <simulator root PEM> and the enclave PCR0', () => {
    const result = verify(
      '--root',
      nsm.rootCertificate.path,
      '--pcr',
      `0=${nsm.bootPcrs[0]}`,
      '--nonce',
      'abcd',
    );
    expect(result.json).toMatchObject({ valid: true, moduleId: nsm.moduleId });
    expect(result.status).toBe(0);
  });

  it('refuses it with ATTESTATION_ROOT_UNTRUSTED without --root', () => {
    const result = verify();
    expect(result.json).toMatchObject({ valid: false, code: 'ATTESTATION_ROOT_UNTRUSTED' });
    expect(result.status).toBe(1);
  });
});
