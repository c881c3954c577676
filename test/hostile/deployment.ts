/**
 * A real deployment for hostile tests: the enclave bundle as its own process (short timeouts from its
 * environment, so that tests are quick) and the parent's proxy process in front of it, and an honest
 * three-party session to run through the proxy while an attack goes on.
 */
import { readFileSync } from 'node:fs';
import { draftManifest, EnclaveConnection, PartyClient } from '../../parent/client/index.js';
import type { Manifest } from '../../protocol/index.js';
import { measurementOf, type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { type RunningProxyProcess, startProxyProcess } from '../../simulator/proxy-process.js';
import { makeParty, type Party } from '../enclave/support.js';

export interface HostileDeployment {
  readonly enclave: RunningEnclave;
  readonly proxy: RunningProxyProcess;
  /** The proxy's party-facing address (tcp://...). */
  readonly endpoint: string;
  readonly parties: Record<'alice' | 'bob' | 'carol' | 'mallory', Party>;
  /** A fresh mean manifest over `parties` (a new salt: a new session each call). */
  meanManifest(parties?: readonly Party[], requester?: string): Manifest;
  /** One SDK client per party through the proxy. */
  clients(parties?: readonly Party[]): Promise<Record<string, PartyClient>>;
  /** A whole honest session through the proxy: agree, attest, submit, evaluate, verified results, certificate. */
  honestMean(): Promise<unknown>;
  /** Lines the enclave logged since it started that contain `text`. */
  logged(text: string): number;
  /**
   * `logged(text)` once it reaches `count`, or after 5 s: the enclave's log lines can reach the test after the
   * sockets' closes they describe.
   */
  loggedAtLeast(text: string, count: number): Promise<number>;
  stop(): Promise<void>;
}

// Short enough for quick tests, long enough that the test process (attackers and honest parties share its event
// loop) never stalls its own honest writes that long.
export const ENCLAVE_TIMEOUTS = {
  NITRO_MPC_FRAME_TIMEOUT_MS: '3000',
  NITRO_MPC_IDLE_TIMEOUT_MS: '10000',
  NITRO_MPC_DRAIN_TIMEOUT_MS: '30000',
};

export async function startHostileDeployment(
  env: Partial<typeof ENCLAVE_TIMEOUTS> = {},
): Promise<HostileDeployment> {
  const enclave = await startEnclave({ env: { ...ENCLAVE_TIMEOUTS, ...env } });
  const proxy = await startProxyProcess(['--listen', 'tcp://127.0.0.1:0', '--enclave', enclave.address]);
  const endpoint = String(proxy.ready['ingress']);
  const [alice, bob, carol, mallory] = (await Promise.all(
    ['alice', 'bob', 'carol', 'mallory'].map((id) => makeParty(id)),
  )) as [Party, Party, Party, Party];
  const honest = [alice, bob, carol];
  const meanManifest = (parties: readonly Party[] = honest, requester = 'carol'): Manifest =>
    draftManifest({
      fn: measurementOf('mean'),
      parameters: {},
      parties: [...parties],
      providers: parties.map((p) => p.id),
      pcrs: enclave.pcrs,
      requesters: [requester],
    });
  const logged = (text: string): number =>
    enclave
      .output()
      .split('\n')
      .filter((line) => line.includes(text)).length;
  const clients = async (parties: readonly Party[] = honest) => {
    const out: Record<string, PartyClient> = {};
    for (const p of parties) {
      out[p.id] = new PartyClient(await EnclaveConnection.open(endpoint), p, { roots: [enclave.root] });
    }
    return out;
  };
  return {
    enclave,
    proxy,
    endpoint,
    parties: { alice, bob, carol, mallory },
    meanManifest,
    clients,
    async honestMean() {
      const c = await clients();
      const [a, b, r] = [c['alice'], c['bob'], c['carol']] as [PartyClient, PartyClient, PartyClient];
      try {
        const manifest = meanManifest();
        await a.create(manifest);
        for (const client of [a, b, r]) await client.approve(manifest);
        for (const client of [a, b, r]) await client.attest(manifest);
        await a.submit(manifest, 'alice-input', [100, 200]);
        await b.submit(manifest, 'bob-input', [300]);
        await r.submit(manifest, 'carol-input', [400]);
        await r.evaluate(manifest);
        const results = [];
        for (const client of [a, b, r]) results.push((await client.result(manifest)).value);
        const { certificate } = await a.destroy(manifest);
        if (certificate.body.reason !== 'completed') throw new Error('the honest session did not complete');
        return results[0];
      } finally {
        for (const client of [a, b, r]) client.close();
      }
    },
    logged,
    async loggedAtLeast(text, count) {
      for (let waited = 0; logged(text) < count && waited < 5_000; waited += 50) {
        await new Promise((done) => setTimeout(done, 50));
      }
      return logged(text);
    },
    async stop() {
      await proxy.stop();
      await enclave.stop();
    },
  };
}

export const HONEST_MEAN = new Map<string, unknown>([
  ['mean', 250],
  ['count', 4],
]);

/** The enclave process's resident memory now and at its peak, in MiB (Linux /proc). */
export function memoryOf(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakRssMiB: Math.round(kib('VmHWM') / 1024) };
}
