/**
 * The enclave application's composition root (the EIF's entry point). Configuration comes from the environment;
 * it starts the NSM (the device on Nitro, the simulated one when `NITRO_MPC_SIM_STATE_DIR` is set), the session
 * service and its server, and stops them in reverse on SIGTERM/SIGINT, destroying every session on the way out.
 * `--list-functions` prints the function library with the measurements of this exact build, for manifests.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { NitroMpcError } from '../common/errors.js';
import { curveBackend } from '../common/sodium.js';
import { connectSealedStore, type SealedStore } from '../protocol/store/index.js';
import { listFunctions } from './functions/index.js';
import { InputOpenerPool, isInputOpenerThread, runInputOpenerWorker } from './input-openers/index.js';
import { EnclaveKmsClient } from './kms/index.js';
import { type Nsm, openNsmDevice } from './nsm/index.js';
import { obtainSealKey } from './persistence/index.js';
import { serverTimeoutsFromEnv, serveSessions } from './server.js';
import { SessionService } from './sessions/index.js';

interface EnclaveConfig {
  /** Where parties' traffic arrives (through the parent's proxy on Nitro): a transport address. */
  readonly listen: string;
  /** A simulation's state directory: use the simulated NSM instead of /dev/nsm. */
  readonly simStateDir: string | undefined;
  /** KMS for KMS-mode inputs: endpoint, region and credentials (from the parent: the instance role's). */
  readonly kms:
    | {
        /** Default: the regional AWS endpoint. */
        readonly endpoint?: string;
        /** The parent's egress relay to KMS (vsock://3:<port> on Nitro); TLS runs inside the enclave. */
        readonly egress?: string;
        readonly region: string;
        readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
      }
    | undefined;
  /**
   * Sealed persistence: the parent's store (`vsock://3:<port>` on Nitro) and the KMS key whose policy releases
   * the seal key to this image only. Absent: sessions live in memory and end with the process.
   */
  readonly persistence: { readonly store: string; readonly sealKeyId: string } | undefined;
  /** Worker threads that open inputs (`NITRO_MPC_INPUT_OPENERS`; default: one per vCPU but the main thread's). */
  readonly inputOpeners: number;
}

function readConfig(env: NodeJS.ProcessEnv): EnclaveConfig {
  const port = env['NITRO_MPC_ENCLAVE_PORT'] ?? '5000';
  const endpoint = env['NITRO_MPC_KMS_ENDPOINT'];
  // The parent (CID 3) relays KMS traffic from this vsock port to the allow-listed KMS host.
  const egressPort = env['NITRO_MPC_KMS_EGRESS_PORT'];
  const egress = env['NITRO_MPC_KMS_EGRESS'] ?? (egressPort ? `vsock://3:${egressPort}` : undefined);
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  const sessionToken = env['AWS_SESSION_TOKEN'];
  const store = env['NITRO_MPC_STORE'] || undefined;
  const sealKeyId = env['NITRO_MPC_SEAL_KEY_ID'] || undefined;
  if ((store === undefined) !== (sealKeyId === undefined)) {
    throw new Error('sealed persistence needs both NITRO_MPC_STORE and NITRO_MPC_SEAL_KEY_ID (or neither)');
  }
  const openers = env['NITRO_MPC_INPUT_OPENERS'];
  const inputOpeners = openers === undefined || openers === '' ? availableParallelism() - 1 : Number(openers);
  if (!Number.isSafeInteger(inputOpeners) || inputOpeners < 0 || inputOpeners > 64) {
    throw new Error(`NITRO_MPC_INPUT_OPENERS must be a whole number from 0 to 64, not "${openers}"`);
  }
  return {
    inputOpeners,
    persistence: store && sealKeyId ? { store, sealKeyId } : undefined,
    listen: env['NITRO_MPC_LISTEN'] ?? `vsock://any:${port}`,
    simStateDir: env['NITRO_MPC_SIM_STATE_DIR'] || undefined,
    kms:
      (endpoint || egress) && accessKeyId && secretAccessKey
        ? {
            ...(endpoint ? { endpoint } : {}),
            ...(egress && !endpoint?.startsWith('http://') ? { egress } : {}),
            region: env['AWS_REGION'] ?? 'us-east-1',
            credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
          }
        : undefined,
  };
}

function log(message: string): void {
  // Events only: never an input, a key or a result.
  process.stdout.write(`${new Date().toISOString()} nitro-mpc enclave: ${message}\n`);
}

async function openNsm(config: EnclaveConfig): Promise<Nsm> {
  if (config.simStateDir === undefined) return openNsmDevice();
  const { createSimulatedNsm } = await import('../simulator/nsm/index.js');
  // The simulated NSM measures the code this process runs, so PCR0 changes with it, as on Nitro.
  const script = process.argv[1];
  const bundle = script === undefined ? new Uint8Array() : new Uint8Array(await readFile(script));
  return createSimulatedNsm({ stateDir: config.simStateDir, bundle });
}

async function main(): Promise<void> {
  if (process.argv.includes('--list-functions')) {
    process.stdout.write(`${JSON.stringify(listFunctions(), null, 2)}\n`);
    return;
  }
  const config = readConfig(process.env);
  log(`starting (listen ${config.listen}${config.simStateDir ? ', simulated NSM' : ''})`);
  const nsm = await openNsm(config);
  const description = await nsm.describe();
  const kms = config.kms
    ? await EnclaveKmsClient.create({
        kms: config.kms,
        attest: (publicKey) => nsm.attest({ publicKey }),
        retry: {
          onRetry: (e) =>
            log(`KMS ${e.operation} attempt ${e.attempt} failed (${e.reason}); retrying in ${e.delayMs} ms`),
        },
      })
    : undefined;
  let store: SealedStore | undefined;
  let sealKey: Uint8Array | undefined;
  if (config.persistence) {
    if (!kms)
      throw new Error('sealed persistence needs KMS (NITRO_MPC_KMS_ENDPOINT or _EGRESS and credentials)');
    store = await connectStore(config.persistence.store);
    sealKey = await obtainSealKey(store, kms, config.persistence.sealKeyId);
  }
  // The bundle is its own workers' entry point (one file to measure); they open inputs off the main thread.
  const openers =
    config.inputOpeners > 0
      ? new InputOpenerPool({
          size: config.inputOpeners,
          entry: new URL(import.meta.url),
          onWorkerLost: (reason) => log(`${reason}; replacing it`),
        })
      : undefined;
  const service = new SessionService({
    now: Date.now,
    ...(openers ? { openInput: openers.open.bind(openers) } : {}),
    attest: (userData, nonce) => nsm.attest({ userData, ...(nonce === undefined ? {} : { nonce }) }),
    ...(kms ? { kmsDecrypt: async (request) => (await kms.decrypt(request)).plaintext } : {}),
    ...(store && sealKey
      ? {
          persistence: {
            store,
            sealKey,
            // Crash-only: the journal cannot know whether the store kept the last write; a restart reconciles.
            onHalt: (error: unknown) => {
              log(`the store failed mid-write (${codeOf(error)}): restarting to reconcile`);
              process.exit(75);
            },
          },
        }
      : {}),
    onEvent: (event) => log(`${event.type} ${event.request}: ${event.code}`),
  });
  if (store) {
    const { restored, refused } = await service.restore();
    log(`restored ${restored} session(s) from the sealed store`);
    for (const failure of refused) log(`session ${failure.sessionId} not restored: ${failure.code}`);
  }
  const server = await serveSessions(config.listen, service, {
    ...serverTimeoutsFromEnv(process.env),
    onDropped: (code) => log(`connection dropped: ${code}`),
  });
  log(
    `ready: NSM ${description.moduleId}, serving sessions${kms ? ', KMS-mode inputs enabled' : ''}` +
      `${store ? ', sealed persistence on' : ''}, ${openers?.size ?? 0} input opener thread(s), ` +
      `curves on ${curveBackend()}`,
  );
  const stop = async (signal: string) => {
    log(`${signal}: ${store ? 'sessions stay sealed in the store' : 'destroying sessions'}; stopping`);
    await server.close();
    await service.close();
    await openers?.close();
    await store?.close();
    kms?.close();
    await nsm.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

function codeOf(error: unknown): string {
  return error instanceof NitroMpcError ? error.code : 'UNKNOWN';
}

/** The parent's store may come up after the enclave: try for a while before giving up. */
async function connectStore(address: string): Promise<SealedStore> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connectSealedStore(address);
    } catch (error) {
      if (attempt >= 30 || codeOf(error) !== 'STORE_UNAVAILABLE') throw error;
      if (attempt === 1) log(`waiting for the parent's store at ${address}`);
      await sleep(Math.min(200 * attempt, 2_000));
    }
  }
}

if (isInputOpenerThread()) runInputOpenerWorker();
else
  main().catch((error: unknown) => {
    process.stderr.write(
      `nitro-mpc enclave failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
