import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type TransportListener } from '../../protocol/transport/index.js';

const dirs: string[] = [];
const listeners: TransportListener[] = [];
afterEach(async () => {
  for (const listener of listeners.splice(0)) await listener.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-stale-'));
  dirs.push(dir);
  return dir;
}

/** A process that listens on `path` and is then SIGKILLed: its socket file stays behind. */
async function killedListener(path: string): Promise<void> {
  const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((up) => child.stdout?.once('data', up));
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
}

describe('unix listen after a crash', () => {
  it('takes over the socket file a killed process left behind', async () => {
    const path = join(scratch(), 'enclave.sock');
    await killedListener(path);
    expect(existsSync(path)).toBe(true);
    listeners.push(await listen(`unix://${path}`, (c) => c.destroy()));
  });

  it('still refuses a path someone is listening on, and a path that is not a socket', async () => {
    const dir = scratch();
    const live = join(dir, 'live.sock');
    listeners.push(await listen(`unix://${live}`, (c) => c.destroy()));
    await expect(listen(`unix://${live}`, (c) => c.destroy())).rejects.toMatchObject({
      code: 'TRANSPORT_LISTEN_FAILED',
    });
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'not a socket');
    await expect(listen(`unix://${file}`, (c) => c.destroy())).rejects.toMatchObject({
      code: 'TRANSPORT_LISTEN_FAILED',
    });
    expect(existsSync(file)).toBe(true);
  });
});
