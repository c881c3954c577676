/**
 * `npm run demo`: the main job, in simulator mode. Part 1 verifies real AWS attestation documents with the CLI;
 * part 2 starts the KMS simulator, the enclave bundle and the parent's proxy as separate processes, runs real
 * sessions through them, and stops everything it started. `--json` prints one object.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { attestationChecks } from './demo/attestation-checks.js';
import { sessionDemos } from './demo/sessions.js';

const root = resolve(import.meta.dirname, '..');
const json = process.argv.includes('--json');

// The CLI and the enclave bundle the demo runs, built as `npm ci` builds them.
for (const script of ['scripts/build.mjs', 'scripts/bundle.mjs']) {
  const built = spawnSync(process.execPath, [resolve(root, script)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) process.exit(2);
}

const started = performance.now();
const checks = attestationChecks(root);
const sessions = await sessionDemos();
const seconds = Math.round((performance.now() - started) / 100) / 10;
const ok = checks.every((c) => c.ok) && sessions.every((s) => s.ok);

if (json) {
  process.stdout.write(
    `${JSON.stringify({ demo: 'nitro-mpc', ok, seconds, attestation: checks, sessions }, null, 2)}\n`,
  );
} else {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out('nitro-mpc demo (simulator mode)\n');
  out('1. A party checks attestation documents (real AWS ones) with `nitro-mpc attestation verify`:');
  for (const c of checks) out(`   ${c.ok ? 'ok  ' : 'FAIL'} ${c.title} -> ${c.verdict}`);
  out(
    '\n2. Sessions through the parent proxy to the enclave app (simulated NSM, state sealed in the parent store),\n' +
      '   each its own process:',
  );
  for (const s of sessions) {
    out(`   ${s.ok ? 'ok  ' : 'FAIL'} ${s.title}`);
    out(`        result: ${JSON.stringify(s.result)}`);
    out(
      `        ${s.receiptsVerified} signed results verified; destruction certificate verified (${s.destructionCertificate.inputsDestroyed} inputs destroyed)`,
    );
  }
  out(`\n${ok ? 'all good' : 'SOMETHING FAILED'} in ${seconds} s`);
}
process.exitCode = ok ? 0 : 1;
