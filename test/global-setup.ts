import { execFileSync } from 'node:child_process';
import { buildEnclaveBundle } from '../simulator/enclave-process.js';

/**
 * Tests run real processes: the CLI (`dist/cli.js`) and the enclave app (`dist/enclave/main.mjs`, the same
 * reproducible bundle the enclave image carries). Both are built once before any test.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  buildEnclaveBundle();
}
