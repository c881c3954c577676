import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

describe('npm run demo (the README quick start)', () => {
  it('verifies the real documents and runs every session, one through an enclave SIGKILL, reporting ok in --json', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      attestation: { ok: boolean }[];
      sessions: { title: string; result: Record<string, unknown>; ok: boolean }[];
    };
    expect(report.ok).toBe(true);
    expect(report.attestation).toHaveLength(6);
    expect(report.sessions.map((s) => s.result)).toEqual([
      { mean: expect.closeTo(96_555.56, 1), count: 9 },
      { cardinality: 12_345 },
      { sum: 1520, count: 3, inputsKeptThroughTheRestart: 2, sameAttestedKey: true },
    ]);
  }, 120_000);
});
