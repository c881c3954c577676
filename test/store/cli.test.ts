/** `nitro-mpc store serve` and `store inspect` as real processes. */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectSealedStore } from '../../protocol/store/index.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { startStoreProcess } from './store-process.js';
import { record, scratch, sessionId } from './support.js';

let space: ReturnType<typeof scratch>;
beforeEach(() => {
  space = scratch();
});
afterEach(() => space.cleanup());

const hex = (name: string): string => Buffer.from(sessionId(name)).toString('hex');

describe('nitro-mpc store', { timeout: 120_000 }, () => {
  it('serves a store until SIGTERM, logging facts but never record bytes, and inspect reports its metadata', async () => {
    const dir = space.path('store');
    const server = await startStoreProcess(dir, `unix://${space.path('s.sock')}`, [
      '--max-bytes',
      '10000000',
    ]);
    const client = await connectSealedStore(server.address);
    await client.writeSealKey(new Uint8Array(200).fill(0xab));
    await client.append([record('alpha', 0, 5000), record('beta', 0, 700)]);
    await client.append([record('alpha', 1, 300)]);
    await client.close();
    expect(await server.stop('SIGTERM')).toBe(0);
    const logs = server.logs();
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['opened', 'ready', 'stopping', 'stopped']),
    );
    expect(logs.find((l) => l.msg === 'stopped')).toMatchObject({ appends: 2, component: 'store' });
    const output = JSON.stringify(logs);
    expect(output).not.toContain('abababab');
    expect(output).not.toContain(
      Buffer.from(record('alpha', 0, 5000).sealed.subarray(0, 16)).toString('hex'),
    );

    const inspected = await runCliAsync(['store', 'inspect', '--dir', dir, '--json']);
    expect(inspected.status).toBe(0);
    expect(inspected.json()).toMatchObject({
      records: 3,
      batches: 2,
      sealKey: true,
      uncommittedBytes: 0,
      sessions: expect.arrayContaining([
        { sessionId: hex('alpha'), records: 2, bytes: 5300 },
        { sessionId: hex('beta'), records: 1, bytes: 700 },
      ]),
    });
    const text = runCli(['store', 'inspect', '--dir', dir]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/3 records/);
    expect(text.stdout).toMatch(/seal key: present/);
    expect(text.stdout).toContain(hex('beta'));
  });

  it('refuses a second server on the same directory (exit 1, STORE_LOCKED)', async () => {
    const dir = space.path('store');
    const server = await startStoreProcess(dir, `unix://${space.path('a.sock')}`);
    const second = await runCliAsync([
      'store',
      'serve',
      '--dir',
      dir,
      '--listen',
      `unix://${space.path('b.sock')}`,
    ]);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/STORE_LOCKED/);
    expect(await server.stop()).toBe(0);
  });

  it('exits 1 with STORE_CORRUPT when inspecting a damaged log, and 2 for usage errors', async () => {
    const dir = space.path('store');
    const server = await startStoreProcess(dir, `unix://${space.path('s.sock')}`);
    const client = await connectSealedStore(server.address);
    for (let i = 0; i < 3; i++) await client.append([record('x', i, 1000)]);
    await client.close();
    await server.stop();
    const log = readFileSync(`${dir}/store.log`);
    log[16 + 24 + 500] = (log[16 + 24 + 500] as number) ^ 1;
    writeFileSync(`${dir}/store.log`, log);
    const corrupt = runCli(['store', 'inspect', '--dir', dir, '--json']);
    expect(corrupt.status).toBe(1);
    expect(corrupt.json()).toMatchObject({ code: 'STORE_CORRUPT' });
    const serve = runCli(['store', 'serve', '--dir', dir, '--listen', `unix://${space.path('t.sock')}`]);
    expect(serve.status).toBe(1);
    expect(serve.stderr).toMatch(/STORE_CORRUPT/);

    expect(runCli(['store', 'inspect', '--dir', space.path('nothing-here')]).status).toBe(2);
    expect(
      runCli(['store', 'serve', '--dir', dir, '--listen', 'unix:///x', '--max-bytes', 'lots']).status,
    ).toBe(2);
    expect(runCli(['store', 'serve', '--dir', dir]).status).toBe(2);
    expect(runCli(['store', 'serve', '--dir', dir, '--listen', 'nope://x']).status).toBe(2);
  });
});
