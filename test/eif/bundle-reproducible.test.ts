/**
 * Parties rebuild the enclave bundle to check PCRs: two checkouts in different directories must give the same
 * bytes. Each copy holds the working tree's files that git would keep (tracked and not ignored); node_modules is
 * a symlink to this one's.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'nitro-mpc-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function checkout(into: string): string {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
  })
    .toString()
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(repo, file)));
  for (const file of files) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    copyFileSync(join(repo, file), join(into, file));
  }
  symlinkSync(join(repo, 'node_modules'), join(into, 'node_modules'));
  return into;
}

function bundle(dir: string): { bytes: Buffer; stdout: string } {
  const stdout = execFileSync(process.execPath, ['scripts/bundle.mjs', '--skip-addon'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  return { bytes: readFileSync(join(dir, 'dist/enclave/main.mjs')), stdout };
}

describe('scripts/bundle.mjs', () => {
  it('gives byte-identical bundles from two checkouts in different directories', () => {
    const a = checkout(join(scratch, 'first-checkout'));
    const b = checkout(join(scratch, 'elsewhere', 'deeper', 'nitro-mpc'));
    const first = bundle(a);
    const second = bundle(b);
    expect(first.bytes.length).toBeGreaterThan(1000);
    expect(first.bytes.equals(second.bytes)).toBe(true);
    const sha384 = createHash('sha384').update(first.bytes).digest('hex');
    expect(first.stdout).toContain(`sha384 ${sha384}`);
    expect(second.stdout).toContain(`sha384 ${sha384}`);
    expect(readFileSync(join(a, 'dist/enclave/manifest.json'), 'utf8')).toBe(
      readFileSync(join(b, 'dist/enclave/manifest.json'), 'utf8'),
    );
    // Nothing of where it was built: no checkout path, no temp dir, no source map.
    for (const text of [a, b, scratch, tmpdir()]) expect(first.bytes.includes(text)).toBe(false);
    expect(first.bytes.includes('sourceMappingURL')).toBe(false);
  });
});
