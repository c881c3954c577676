/**
 * `npm run bench -- load`: 1,000 parties submitting to one session at once through the parent's proxy (a real
 * process) to the enclave app (a real process), against the same parties sending straight to the enclave's unix
 * socket in the same run, so the ratio is the proxy's cost, and against the same path with signed envelopes
 * instead of HPKE auth-mode ones (`authVsSigned`, what a party without an HPKE key costs); then idle parties held
 * through the proxy (each with its own enclave connection) while a small session still completes, with both
 * processes' memory.
 *
 * Knobs: LOAD_PARTIES (1000), LOAD_IDLE (10000), BENCH_ROUNDS (3 per path, interleaved), LOAD_WARMUP_ROUNDS (2,
 * unmeasured, through the proxy), LOAD_PROXY_NOFILE.
 */
import { loadavg } from 'node:os';
import { generateHpkeKeyPair, generateSigningKeyPair } from '../../protocol/index.js';
import { measurementOf, startEnclave } from '../../simulator/enclave-process.js';
import { startProxyProcess } from '../../simulator/proxy-process.js';
import { openIdleParties } from './load-idle.js';
import { type RoundResult, type RoundSetup, runRound } from './load-session.js';
import { emit, median, round } from './measure.js';
import { footprint, openFileLimitOf, type ProcessFootprint } from './proc-status.js';

const PARTIES = Number(process.env['LOAD_PARTIES'] ?? 1000);
const IDLE_TARGET = Number(process.env['LOAD_IDLE'] ?? 10_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const WARMUP_ROUNDS = Number(process.env['LOAD_WARMUP_ROUNDS'] ?? 2);
const TARGET_INPUTS_PER_SEC = 2000;
/** Connections a party-side burst opens at once: the enclave's unix socket queues 128 before refusing. */
const DIRECT_CONNECT_CONCURRENCY = 64;
const PROXY_CONNECT_CONCURRENCY = 256;

const load = loadavg().map((v) => round(v, 2));
const enclave = await startEnclave();
const proxy = await startProxyProcess(
  [
    '--listen',
    'tcp://127.0.0.1:0',
    '--enclave',
    enclave.address,
    // Idle parties stay silent for the whole measurement.
    '--idle-timeout',
    '3600',
  ],
  {
    // e.g. `--cpu-prof` to profile the proxy under load (as NITRO_MPC_ENCLAVE_NODE_ARGS does for the enclave).
    nodeArgs: (process.env['NITRO_MPC_PROXY_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    // Two descriptors per relayed party: LOAD_PROXY_NOFILE raises the proxy's limit as LimitNOFILE= does on a
    // parent (needs CAP_SYS_RESOURCE beyond the hard limit; this container refuses it even to root).
    ...(process.env['LOAD_PROXY_NOFILE'] ? { maxOpenFiles: Number(process.env['LOAD_PROXY_NOFILE']) } : {}),
  },
);
const ingress = String(proxy.ready['ingress']);
const proxyMaxConnections = Number(proxy.ready['maxConnections']);

function footprints(): { enclave: ProcessFootprint; proxy: ProcessFootprint } {
  return { enclave: footprint(enclave.pid), proxy: footprint(proxy.pid) };
}

try {
  const fresh = footprints();
  const parties = await Promise.all(
    Array.from({ length: PARTIES }, async (_, i) => ({
      id: `party-${String(i).padStart(4, '0')}`,
      signing: generateSigningKeyPair('Ed25519'),
      hpke: await generateHpkeKeyPair(),
    })),
  );
  const base = { parties, fn: measurementOf('sum'), pcrs: enclave.pcrs, root: enclave.root };
  const processes = { enclave: enclave.pid, proxy: proxy.pid, parties: 'self' as const };
  const viaProxy: RoundSetup = {
    ...base,
    address: ingress,
    connectConcurrency: PROXY_CONNECT_CONCURRENCY,
    submit: 'presealed',
    envelopeAuth: 'hpke',
    processes,
  };
  // The peer of the headline: the same path with signed envelopes (parties without an HPKE key in the manifest).
  const viaProxySigned: RoundSetup = { ...viaProxy, envelopeAuth: 'signature' };
  const direct: RoundSetup = {
    ...base,
    address: enclave.address,
    connectConcurrency: DIRECT_CONNECT_CONCURRENCY,
    submit: 'presealed',
    envelopeAuth: 'hpke',
    processes: { enclave: enclave.pid, parties: 'self' },
  };
  const expectedSum = (PARTIES * (PARTIES + 1)) / 2;
  const run = async (path: string, setup: RoundSetup, r: number): Promise<RoundResult> => {
    const result = await runRound(setup);
    if (result.sum !== expectedSum) throw new Error(`${path}: sum ${result.sum}, expected ${expectedSum}`);
    emit({
      bench: 'load',
      round: r,
      path,
      submit: setup.submit,
      ...(setup.submit === 'presealed' ? { envelopeAuth: setup.envelopeAuth } : {}),
      parties: result.parties,
      inputsPerSec: round(result.parties / result.submitSeconds),
      endToEndInputsPerSec: round(result.parties / result.endToEndSeconds),
      seconds: {
        connect: round(result.connectSeconds, 3),
        approve: round(result.approveSeconds, 3),
        attest: round(result.attestSeconds, 3),
        submit: round(result.submitSeconds, 3),
        endToEnd: round(result.endToEndSeconds, 3),
      },
      // CPU per input in each process during the submission phase: what the rate would be on idle cores.
      cpuMsPerInput: Object.fromEntries(
        Object.entries(result.submitCpuSeconds).map(([name, s]) => [
          name,
          round((s * 1000) / result.parties, 3),
        ]),
      ),
      // How busy each event loop was during the phase (1: never idle, the bound on the rate).
      mainThreadBusy: Object.fromEntries(
        Object.entries(result.submitMainThreadCpuSeconds).map(([name, s]) => [
          name,
          round(s / result.submitSeconds, 2),
        ]),
      ),
      mainThreadSleepsPerInput: Object.fromEntries(
        Object.entries(result.submitMainThreadSleeps).map(([name, n]) => [
          name,
          round(n / result.parties, 2),
        ]),
      ),
    });
    return result;
  };

  // First, on fresh processes: idle parties, as many as the proxy's open-file limit lets it relay (up to the
  // target, leaving room for a session), each with its own enclave connection; a small session runs meanwhile.
  const small: RoundSetup = { ...viaProxy, parties: parties.slice(0, 3), submit: 'sdk' };
  const smallAlone = await runRound(small);
  const idleCount = Math.min(IDLE_TARGET, proxyMaxConnections - 8);
  const beforeIdle = footprints();
  const idle = await openIdleParties(ingress, idleCount, PROXY_CONNECT_CONCURRENCY);
  const withIdle = footprints();
  const smallWithIdle = await runRound(small);
  const withIdleAfterSession = footprints();
  idle.close();
  emit({
    bench: 'load',
    part: 'idle',
    idleConnections: idleCount,
    openSeconds: round(idle.openSeconds, 2),
    sessionSeconds: {
      alone: round(smallAlone.endToEndSeconds, 3),
      withIdle: round(smallWithIdle.endToEndSeconds, 3),
    },
    footprint: { fresh, beforeIdle, withIdle, withIdleAfterSession },
  });

  // Unmeasured rounds first: by then the enclave's hot path (its main thread's and each worker's) is compiled, as
  // in a service that has been running (a fresh process's first thousand inputs run partly in the interpreter).
  for (let w = 1; w <= WARMUP_ROUNDS; w++) await run('warmup', viaProxy, 0);

  const samples = { proxy: [] as RoundResult[], direct: [] as RoundResult[], signed: [] as RoundResult[] };
  const paths = [
    { path: 'proxy', setup: viaProxy, results: samples.proxy },
    { path: 'direct', setup: direct, results: samples.direct },
    { path: 'proxy-signed', setup: viaProxySigned, results: samples.signed },
  ];
  for (let r = 1; r <= ROUNDS; r++) {
    // Interleaved, each round starting with the next path, so machine noise falls on every path alike.
    for (let k = 0; k < paths.length; k++) {
      const { path, setup, results } = paths[(r - 1 + k) % paths.length] as (typeof paths)[number];
      results.push(await run(path, setup, r));
    }
  }
  const sdk = await run('proxy', { ...viaProxy, submit: 'sdk' }, ROUNDS + 1);
  const afterLoad = footprints();
  emit({ bench: 'load', part: 'footprint-after-load', ...afterLoad });

  const rate = (results: RoundResult[], pick: (r: RoundResult) => number) =>
    median(results.map((r) => r.parties / pick(r)));
  const proxyRate = rate(samples.proxy, (r) => r.submitSeconds);
  const directRate = rate(samples.direct, (r) => r.submitSeconds);
  const signedRate = rate(samples.signed, (r) => r.submitSeconds);
  const cpuMs = (results: RoundResult[], name: string) =>
    round(median(results.map((r) => ((r.submitCpuSeconds[name] ?? 0) * 1000) / r.parties)), 3);
  const perConnectionKiB = (after: number, before: number) => round(((after - before) * 1024) / idleCount, 1);
  emit({
    bench: 'load',
    parties: PARTIES,
    rounds: ROUNDS,
    warmupRounds: WARMUP_ROUNDS,
    inputsPerSec: round(proxyRate),
    endToEndInputsPerSec: round(rate(samples.proxy, (r) => r.endToEndSeconds)),
    directInputsPerSec: round(directRate),
    viaProxyVsDirect: round(proxyRate / directRate, 2),
    vsTarget: round(proxyRate / TARGET_INPUTS_PER_SEC, 2),
    envelopeAuth: viaProxy.envelopeAuth,
    signedInputsPerSec: round(signedRate),
    authVsSigned: round(proxyRate / signedRate, 2),
    sdkInputsPerSec: round(sdk.parties / sdk.submitSeconds),
    idleConnections: idleCount,
    // Fewer than the target when the proxy's open-file limit cannot hold them (two descriptors each).
    proxyMaxConnections,
    proxyFdLimit: openFileLimitOf(proxy.pid),
    rssMiB: { enclave: withIdle.enclave.rssMiB, proxy: withIdle.proxy.rssMiB },
    rssWithoutIdleMiB: { enclave: beforeIdle.enclave.rssMiB, proxy: beforeIdle.proxy.rssMiB },
    idleKiBPerConnection: {
      enclave: perConnectionKiB(withIdle.enclave.rssMiB, beforeIdle.enclave.rssMiB),
      proxy: perConnectionKiB(withIdle.proxy.rssMiB, beforeIdle.proxy.rssMiB),
    },
    peakRssMiB: { enclave: afterLoad.enclave.peakRssMiB, proxy: afterLoad.proxy.peakRssMiB },
    cpuMsPerInput: {
      enclave: cpuMs(samples.proxy, 'enclave'),
      proxy: cpuMs(samples.proxy, 'proxy'),
      parties: cpuMs(samples.proxy, 'parties'),
    },
    loadAverage: { start: load, end: loadavg().map((v) => round(v, 2)) },
    targets: { inputsPerSec: TARGET_INPUTS_PER_SEC, idleConnections: IDLE_TARGET },
  });
} finally {
  await proxy.stop();
  await enclave.stop();
}
