/**
 * One round of the load benchmark: `parties` parties, each on its own connection to `address` (the proxy's TCP
 * ingress, or the enclave's unix socket directly), agree on one `sum` session, each attests it itself, then all
 * submit at once. Timed: the submission phase (first send to last acknowledgement) and end to end (first send to
 * the first party's verified result).
 */

import type { Cert } from '../../attestation/index.js';
import { encodeCbor } from '../../common/cbor/index.js';
import {
  draftManifest,
  EnclaveConnection,
  expectResponse,
  PartyClient,
  type PartyIdentity,
} from '../../parent/client/index.js';
import { type InputEnvelope, type Manifest, sealInput, sessionIdOf } from '../../protocol/index.js';
import type { FunctionInfo } from '../../simulator/enclave-process.js';
import { inPool } from './pool.js';
import { cpuSeconds, mainThreadCpuSeconds, mainThreadSleeps } from './proc-status.js';

export interface RoundSetup {
  readonly address: string;
  readonly parties: readonly PartyIdentity[];
  readonly fn: FunctionInfo;
  readonly pcrs: readonly { index: number; allowed: readonly string[] }[];
  readonly root: Cert;
  /** Connections opened at once while connecting (a listen backlog is finite). */
  readonly connectConcurrency: number;
  /**
   * `presealed`: each party seals its envelope before the clock starts (on its own machine, in reality) and the
   * phase times sending only; `sdk`: `PartyClient.submit` seals and sends, all inside the timed phase, in this one
   * process for every party.
   */
  readonly submit: 'presealed' | 'sdk';
  /**
   * How presealed envelopes are authenticated: `hpke` (auth mode, what the SDK does when the manifest holds the
   * party's HPKE key) or `signature` (base mode and an Ed25519 signature). The SDK path chooses as the SDK does.
   */
  readonly envelopeAuth: InputEnvelope['auth'];
  /** Processes whose CPU time the submission phase is charged with (by name; `self` is this process). */
  readonly processes?: Readonly<Record<string, number | 'self'>>;
}

export interface RoundResult {
  readonly parties: number;
  readonly connectSeconds: number;
  readonly approveSeconds: number;
  readonly attestSeconds: number;
  readonly submitSeconds: number;
  readonly endToEndSeconds: number;
  /** CPU seconds each of `processes` used during the submission phase. */
  readonly submitCpuSeconds: Readonly<Record<string, number>>;
  /** The part of `submitCpuSeconds` each process's main thread (its event loop) used. */
  readonly submitMainThreadCpuSeconds: Readonly<Record<string, number>>;
  /** How often each process's main thread slept (waited for work) during the submission phase. */
  readonly submitMainThreadSleeps: Readonly<Record<string, number>>;
  readonly sum: number;
}

const seconds = (from: number): number => (performance.now() - from) / 1000;

function inputNameOf(partyId: string): string {
  return `${partyId}-input`;
}

/** A round that has not finished by then is stuck: it fails, saying where, instead of hanging the bench. */
const ROUND_DEADLINE_MS = 180_000;

interface Progress {
  phase: string;
  acknowledged: number;
}

export async function runRound(setup: RoundSetup): Promise<RoundResult> {
  const progress: Progress = { phase: 'connect', acknowledged: 0 };
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () =>
        fail(
          new Error(
            `load round stuck in ${progress.phase} after ${ROUND_DEADLINE_MS / 1000} s ` +
              `(${progress.acknowledged}/${setup.parties.length} inputs acknowledged)`,
          ),
        ),
      ROUND_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([runRoundTracked(setup, progress), stuck]);
  } finally {
    clearTimeout(timer);
  }
}

async function runRoundTracked(setup: RoundSetup, progress: Progress): Promise<RoundResult> {
  const { parties } = setup;
  const manifest: Manifest = draftManifest({
    fn: setup.fn,
    parameters: {},
    parties,
    pcrs: setup.pcrs,
    maxInputBytes: 1024,
    inputName: inputNameOf,
  });
  const sessionId = sessionIdOf(manifest);
  let started = performance.now();
  const connections = await inPool(parties.length, setup.connectConcurrency, () =>
    EnclaveConnection.open(setup.address),
  );
  const clients = connections.map(
    (connection, i) => new PartyClient(connection, parties[i] as PartyIdentity, { roots: [setup.root] }),
  );
  const connectSeconds = seconds(started);
  try {
    const [first] = clients;
    if (!first) throw new Error('no parties');
    progress.phase = 'create';
    await first.create(manifest);
    started = performance.now();
    progress.phase = 'approve';
    await Promise.all(clients.map((client) => client.approve(manifest)));
    const approveSeconds = seconds(started);
    started = performance.now();
    progress.phase = 'attest';
    const keys = await Promise.all(
      clients.map(async (client) => (await client.attest(manifest)).hpkePublicKey),
    );
    const attestSeconds = seconds(started);
    const values = parties.map((_, i) => [i + 1]);

    let envelopes: InputEnvelope[] = [];
    if (setup.submit === 'presealed') {
      envelopes = await Promise.all(
        parties.map((party, i) => {
          const sealing = {
            sessionId,
            inputName: inputNameOf(party.id),
            partyId: party.id,
            round: 1,
            plaintext: encodeCbor(values[i]),
            recipientPublicKey: keys[i] as NonNullable<(typeof keys)[number]>,
          };
          return setup.envelopeAuth === 'hpke'
            ? sealInput({ ...sealing, senderHpkeKey: party.hpke.privateKey })
            : sealInput({ ...sealing, senderSigningKey: party.signing.privateKey });
        }),
      );
    }
    // The parties stand in for a thousand machines: their own leftover garbage (earlier rounds) is collected
    // before the clock starts, so the phase does not time this process's collector.
    (globalThis as { gc?: () => void }).gc?.();
    const processes = Object.entries(setup.processes ?? {});
    const cpuBefore = processes.map(([, pid]) => cpuSeconds(pid));
    const mainBefore = processes.map(([, pid]) => mainThreadCpuSeconds(pid));
    const sleepsBefore = processes.map(([, pid]) => mainThreadSleeps(pid));
    started = performance.now();
    const phaseStart = process.hrtime.bigint();
    progress.phase = `submit (${setup.submit})`;
    await Promise.all(
      clients.map(async (client, i) => {
        const party = parties[i] as PartyIdentity;
        if (setup.submit === 'sdk') {
          await client.submit(manifest, inputNameOf(party.id), values[i]);
        } else {
          const response = await (connections[i] as EnclaveConnection).send({
            type: 'submit-input',
            sessionId,
            input: { mode: 'hpke', envelope: envelopes[i] },
          });
          expectResponse(response, 'input-accepted');
        }
        progress.acknowledged += 1;
      }),
    );
    const submitSeconds = seconds(started);
    const submitCpuSeconds = Object.fromEntries(
      processes.map(([name, pid], i) => [name, cpuSeconds(pid) - (cpuBefore[i] ?? 0)]),
    );
    const submitMainThreadSleeps = Object.fromEntries(
      processes.map(([name, pid], i) => [name, mainThreadSleeps(pid) - (sleepsBefore[i] ?? 0)]),
    );
    const submitMainThreadCpuSeconds = Object.fromEntries(
      processes.map(([name, pid], i) => [name, mainThreadCpuSeconds(pid) - (mainBefore[i] ?? 0)]),
    );
    // For profiles (--cpu-prof of the enclave or proxy): the phase on the monotonic clock V8 profiles use, in µs.
    if (process.env['LOAD_TRACE'])
      process.stderr.write(`submit phase FROM=${phaseStart / 1000n} TO=${process.hrtime.bigint() / 1000n}\n`);
    progress.phase = 'evaluate';
    await first.evaluate(manifest);
    progress.phase = 'result';
    const { value } = await first.result(manifest);
    const endToEndSeconds = seconds(started);
    progress.phase = 'destroy';
    await first.destroy(manifest);
    const sum = (value as Map<string, number>).get('sum') ?? Number.NaN;
    return {
      parties: parties.length,
      connectSeconds,
      approveSeconds,
      attestSeconds,
      submitSeconds,
      endToEndSeconds,
      submitCpuSeconds,
      submitMainThreadCpuSeconds,
      submitMainThreadSleeps,
      sum,
    };
  } finally {
    for (const client of clients) client.close();
  }
}
