/** The EIF scripts need docker and nitro-cli, which these machines lack: they must say so, not fail obscurely. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
// A PATH with bash's basic tools but neither docker nor nitro-cli (nor node).
const bin = mkdtempSync(join(tmpdir(), 'nitro-mpc-path-'));
for (const tool of ['bash', 'dirname', 'sed', 'cat', 'printf']) {
  const found = spawnSync('bash', ['-c', `command -v ${tool}`])
    .stdout.toString()
    .trim();
  if (found.startsWith('/')) symlinkSync(found, join(bin, tool));
}
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function run(script: string, args: readonly string[] = []) {
  const result = spawnSync(join(bin, 'bash'), [join(repo, 'scripts', script), ...args], {
    env: { PATH: bin, HOME: tmpdir() },
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

describe('scripts without docker and nitro-cli', () => {
  it('build-eif.sh names every missing tool and exits 2', () => {
    const { status, stderr } = run('build-eif.sh');
    expect(status).toBe(2);
    expect(stderr).toMatch(/missing:/);
    expect(stderr).toMatch(/- docker/);
    expect(stderr).toMatch(/- nitro-cli/);
    expect(stderr).toMatch(/- node/);
  });

  it('build-eif.sh refuses a certificate without its key', () => {
    const { status, stderr } = run('build-eif.sh', ['--signing-certificate', 'cert.pem']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/go together/);
  });

  it('run-enclave.sh says nitro-cli is missing and exits 2; warns loudly in debug mode', () => {
    const plain = run('run-enclave.sh');
    expect(plain.status).toBe(2);
    expect(plain.stderr).toMatch(/nitro-cli is missing/);
    const debug = run('run-enclave.sh', ['--debug-mode']);
    expect(debug.status).toBe(2);
    expect(debug.stderr).toMatch(/WARNING: DEBUG MODE[\s\S]*all zeros/);
    expect(run('run-enclave.sh', ['--cid', '3']).stderr).toMatch(/--cid must be 4 or more/);
  });
});
