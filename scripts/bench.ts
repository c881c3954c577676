/**
 * `npm run bench -- <name>`: runs one benchmark. Each prints machine-readable JSON lines and, last, one summary
 * object comparing itself with its peer measured in the same run.
 */
import { buildEnclaveBundle } from '../simulator/enclave-process.js';

const benches: Record<string, () => Promise<unknown>> = {
  attestation: () => import('./bench/attestation.js'),
  psi: () => import('./bench/psi.js'),
  store: () => import('./bench/store.js'),
  load: () => import('./bench/load.js'),
  hpke: () => import('./bench/hpke.js'),
};

/** Benches that run the enclave bundle: it is rebuilt first, so they never measure a stale one. */
const usesEnclaveBundle = new Set(['psi', 'load']);

const name = process.argv[2];
const run = name === undefined ? undefined : benches[name];
if (!run) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`);
  process.exit(2);
}
if (usesEnclaveBundle.has(name as string)) {
  buildEnclaveBundle();
}
await run();
