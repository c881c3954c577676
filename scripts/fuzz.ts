/**
 * `npm run fuzz [-- --target cms,eif] [--seconds 60] [--runs N] [--seed N]`: runs the fuzz targets of test/fuzz
 * for longer than the tests do, one JSON line per target (runs, findings, slowest input), and exits 1 when any
 * target found something. Inputs that found something are written to reports/fuzz/ to replay.
 *
 * Coverage-guided fuzzing (@jazzer.js/core) was tried first: its 4.0.0 native addon needs glibc 2.38 (this
 * machine and CI have 2.36), and older releases download their binary or build it with cmake at install time, so
 * a fresh `npm ci` would not keep working. The targets are plain `(bytes) => void` functions, ready for it.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS } from '../test/fuzz/targets/index.js';
import { runTarget } from './fuzz/run-target.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '30' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    'slow-ms': { type: 'string', default: '5000' },
    out: { type: 'string', default: 'reports/fuzz' },
  },
});

const names = (values.target ?? []).flatMap((t) => t.split(','));
const unknown = names.filter((n) => !FUZZ_TARGETS.some((t) => t.name === n));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown target ${unknown.join(', ')}; targets: ${FUZZ_TARGETS.map((t) => t.name).join(', ')}\n`,
  );
  process.exit(2);
}
const positive = (text: string | undefined, what: string): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${what} must be a positive number, not ${text}\n`);
    process.exit(2);
  }
  return n;
};

const selected = names.length === 0 ? FUZZ_TARGETS : FUZZ_TARGETS.filter((t) => names.includes(t.name));
let found = 0;
for (const target of selected) {
  const report = await runTarget(target, {
    seconds: positive(values.seconds, 'seconds') ?? 30,
    runs: positive(values.runs, 'runs'),
    seed: positive(values.seed, 'seed') ?? Date.now() % 2 ** 31,
    slowMs: positive(values['slow-ms'], 'slow-ms') ?? 5000,
    outDir: values.out ?? 'reports/fuzz',
  });
  found += report.findings;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
process.exit(found > 0 ? 1 : 0);
