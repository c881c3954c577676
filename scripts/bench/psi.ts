import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { draftManifest, EnclaveConnection, PartyClient } from '../../parent/client/index.js';
import { generateHpkeKeyPair, generateSigningKeyPair } from '../../protocol/index.js';
import { packSetItems } from '../../protocol/set-items/index.js';
import { measurementOf, startEnclave } from '../../simulator/enclave-process.js';
import { emit, round } from './measure.js';
import { benchPsiEvaluation } from './psi-eval.js';

const ITEMS = 1 << 20;

function items(first: number): string[] {
  return Array.from(
    { length: ITEMS },
    (_, i) => `user-${(first + i).toString(16).padStart(8, '0')}@example.org`,
  );
}

/** CPU seconds (user + system) a process has used: steadier than wall time when other work shares the CPUs. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
}

function ownCpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return round(kib / 1024, 0);
}

async function endToEnd(): Promise<{
  seconds: number;
  enclavePeakRssMiB: number;
  cardinality: number;
  enclaveCpuSeconds: number;
  partiesCpuSeconds: number;
}> {
  const enclave = await startEnclave();
  const parties = await Promise.all(
    ['a', 'b'].map(async (id) => ({
      id,
      signing: generateSigningKeyPair('Ed25519'),
      hpke: await generateHpkeKeyPair(),
    })),
  );
  const clients = await Promise.all(
    parties.map(
      async (p) =>
        new PartyClient(await EnclaveConnection.open(enclave.address), p, { roots: [enclave.root] }),
    ),
  );
  try {
    const manifest = draftManifest({
      fn: measurementOf('psi'),
      parameters: { itemKind: 'string', reveal: 'cardinality' },
      parties,
      pcrs: enclave.pcrs,
      inputName: (id) => `set-${id}`,
    });
    const [a, b] = clients as [PartyClient, PartyClient];
    await a.create(manifest);
    for (const client of clients) await client.approve(manifest);
    for (const client of clients) await client.attest(manifest);
    const sets = { a: items(0), b: items(ITEMS / 2) };

    // Timed from here: each party packs, encodes, seals and streams its set; then evaluation and the signed result.
    const enclaveCpuBefore = cpuSecondsOf(enclave.pid);
    const partiesCpuBefore = process.cpuUsage();
    const start = performance.now();
    await Promise.all([
      a.submit(manifest, 'set-a', packSetItems(sets.a)),
      b.submit(manifest, 'set-b', packSetItems(sets.b)),
    ]);
    await a.evaluate(manifest);
    const { value } = await a.result(manifest);
    const seconds = (performance.now() - start) / 1000;
    const partiesCpuSeconds = ownCpuSeconds(partiesCpuBefore);
    const enclaveCpuSeconds = cpuSecondsOf(enclave.pid) - enclaveCpuBefore;
    const cardinality = (value as Map<string, number>).get('cardinality') ?? -1;
    return {
      seconds,
      enclavePeakRssMiB: peakRssMiB(enclave.pid),
      cardinality,
      enclaveCpuSeconds,
      partiesCpuSeconds,
    };
  } finally {
    for (const client of clients) client.close();
    await enclave.stop();
  }
}

const e2e = await endToEnd();
if (e2e.cardinality !== ITEMS / 2) throw new Error(`wrong cardinality ${e2e.cardinality}`);
emit({
  bench: 'psi',
  part: 'end-to-end',
  itemsPerParty: ITEMS,
  seconds: round(e2e.seconds, 3),
  enclavePeakRssMiB: e2e.enclavePeakRssMiB,
  // Both parties run in this process; the enclave in its own. Sums over both CPUs.
  cpuSeconds: { enclave: round(e2e.enclaveCpuSeconds, 2), parties: round(e2e.partiesCpuSeconds, 2) },
});
const evaluation = await benchPsiEvaluation();
emit({ bench: 'psi', part: 'evaluation', ...evaluation });
emit({
  bench: 'psi',
  itemsPerParty: ITEMS,
  endToEndSeconds: round(e2e.seconds, 3),
  enclavePeakRssMiB: e2e.enclavePeakRssMiB,
  evaluationSeconds: evaluation.evaluationSeconds,
  evaluationCpuSeconds: evaluation.evaluationCpuSeconds,
  naiveSetSeconds: evaluation.naiveSetSeconds,
  ratio: { evaluationVsNaive: evaluation.ratioVsNaive },
  targets: { endToEndSeconds: 2, evaluationSeconds: 0.37 },
  // The machine's 1-minute load average at the end (2 CPUs): above ~2, other work shares them and times inflate.
  loadAverage: round(loadavg()[0] ?? 0, 1),
});
