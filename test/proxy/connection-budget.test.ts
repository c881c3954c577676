/**
 * The proxy's connection limit against its file descriptors: each relayed connection holds two, so a limit the
 * descriptors cannot hold is refused at start (asked for) or lowered to fit (the default), never discovered later
 * as EMFILE for every party.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseProxyConfig } from '../../parent/proxy/config.js';
import { planConnections } from '../../parent/proxy/connection-budget.js';
import { connectionsAllowedBy, openFileLimit, RESERVED_FDS } from '../../parent/proxy/fd-limit.js';
import { runProxyExpectingFailure, startProxyProcess } from './support.js';

const base = { listen: 'tcp://127.0.0.1:0', enclave: 'unix:///tmp/nitro-mpc-no-enclave.sock' };
const START = ['--listen', base.listen, '--enclave', base.enclave];
const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

describe('the open-file limit', () => {
  it('is read from /proc/<pid>/limits (the soft limit), unlimited included', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max processes             63459                63459                processes',
      'Max open files            20000                524288               files',
    ].join('\n');
    expect(openFileLimit(limits)).toBe(20_000);
    expect(openFileLimit(limits.replace('20000 ', 'unlimited '))).toBe(Number.POSITIVE_INFINITY);
    expect(openFileLimit('no such line')).toBeUndefined();
    expect(connectionsAllowedBy(20_000)).toBe((20_000 - RESERVED_FDS) / 2);
  });
});

describe('planning connections', () => {
  it('keeps a limit the descriptors can hold', () => {
    const config = parseProxyConfig({ ...base, maxConnections: 5000 });
    expect(planConnections(config, 20_000)).toMatchObject({ ingress: 5000, lowered: false });
    expect(planConnections(config, undefined)).toMatchObject({ ingress: 5000, lowered: false });
  });

  it('lowers the default 10,000 to what the descriptors hold, after the egress routes have theirs', () => {
    const config = parseProxyConfig({
      ...base,
      egress: ['vsock://3:8000=kms.us-east-1.amazonaws.com:443'],
      allow: '/etc/nitro_enclaves/vsock-proxy.yaml',
    });
    expect(config.maxConnections).toBe(10_000);
    const plan = planConnections(config, 20_000);
    expect(plan).toMatchObject({ egress: 256, lowered: true, fdLimit: 20_000 });
    expect(plan.ingress).toBe((20_000 - RESERVED_FDS) / 2 - 256);
  });

  it('refuses a limit someone asked for that the descriptors cannot hold, saying what to raise', () => {
    const config = parseProxyConfig({ ...base, maxConnections: '10000' });
    let refusal: unknown;
    try {
      planConnections(config, 20_000);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({
      code: 'PROXY_FD_LIMIT',
      details: { needed: 20_000 + RESERVED_FDS, fdLimit: 20_000 },
    });
    expect(String((refusal as Error).message)).toMatch(/LimitNOFILE/);
    expect(String((refusal as Error).message)).toMatch(/--max-connections to 9968/);
  });

  it('refuses to start when not even the egress routes fit', () => {
    const config = parseProxyConfig({
      ...base,
      egress: ['vsock://3:8000=kms.us-east-1.amazonaws.com:443'],
      allow: '/etc/nitro_enclaves/vsock-proxy.yaml',
      maxEgressConnections: 1000,
    });
    expect(() => planConnections(config, 1024)).toThrow(expect.objectContaining({ code: 'PROXY_FD_LIMIT' }));
  });
});

describe.skipIf(!hasPrlimit)('the proxy process under a low open-file limit', () => {
  it('refuses --max-connections beyond it, exit 1 with PROXY_FD_LIMIT', () => {
    const run = runProxyExpectingFailure([...START, '--max-connections', '1000'], {
      maxOpenFiles: 512,
    });
    expect(run.status).toBe(1);
    expect(run.logs.find((line) => line['code'] === 'PROXY_FD_LIMIT')).toBeDefined();
  });

  it('starts with the default lowered to fit, and says so', async () => {
    const proxy = await startProxyProcess(START, { maxOpenFiles: 512 });
    try {
      expect(proxy.ready).toMatchObject({ maxConnections: (512 - RESERVED_FDS) / 2, fdLimit: 512 });
      const warning = proxy.logs().find((line) => line['asDefault'] === 10_000);
      expect(warning).toMatchObject({ maxConnections: (512 - RESERVED_FDS) / 2, fdLimit: 512 });
    } finally {
      expect(await proxy.stop()).toBe(0);
    }
  });
});
