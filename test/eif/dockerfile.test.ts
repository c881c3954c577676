/**
 * The image cannot be built here (no docker), so what the enclave needs from it is read from Dockerfile.enclave:
 * the simulator must run the bundle as the image does, and the addons must sit where the bundle looks.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SODIUM_ADDON_FILE } from '../../common/sodium.js';
import { ENCLAVE_NODE_FLAGS } from '../../simulator/enclave-process.js';

const dockerfile = readFileSync(resolve(import.meta.dirname, '../../Dockerfile.enclave'), 'utf8');

describe('Dockerfile.enclave', () => {
  it('starts node with the flags the simulator starts the enclave with', () => {
    const entrypoint = /^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entrypoint ?? 'null')).toEqual(['node', ...ENCLAVE_NODE_FLAGS, '/app/main.mjs']);
  });

  it('puts libsodium and nitro_native where the bundle loads them from (beside it)', () => {
    const copies = [...dockerfile.matchAll(/^COPY .* (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(copies).toContainEqual([`dist/enclave/${SODIUM_ADDON_FILE}`, `/app/${SODIUM_ADDON_FILE}`]);
    expect(copies).toContainEqual([
      'dist/enclave/build/Release/nitro_native.node',
      '/app/build/Release/nitro_native.node',
    ]);
  });
});
