import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { type Cert, parseCertificate } from '../../attestation/index.js';
import { KmsSimulatorError } from './errors.js';
import { KmsFaultInjector } from './faults.js';
import { callerArn, loadOrCreateIdentity, rolePrincipalArn } from './identity.js';
import { KeyStore } from './key-store.js';
import type { OperationContext } from './operations/index.js';
import { createKmsRequestListener } from './server.js';
import { SigV4Verifier } from './sigv4.js';
import { ensurePrivateDirectory } from './state-files.js';

export interface KmsSimulatorOptions {
  /** Where identity, keys and aliases persist (in a `kms/` subdirectory, 0700, files 0600). */
  readonly stateDir: string;
  /** e.g. `us-east-1`; key ARNs and the SigV4 scope use it. */
  readonly region: string;
  /** NSM root certificate(s) Recipient attestation documents must chain to (the simulated NSM's root). */
  readonly roots: readonly Cert[];
  /** Default 0: an ephemeral port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Oldest Recipient attestation document accepted, in ms. Default five minutes. */
  readonly attestationMaxAgeMs?: number;
  /**
   * The clock of key lifecycles and attestation checks (tests move it to see keys expire). SigV4 keeps the wall
   * clock, as the SDK signs with it. Default `Date.now`.
   */
  readonly now?: () => number;
  /** Told about the simulator's own failures; default prints their message to stderr. */
  readonly onInternalError?: (error: unknown) => void;
}

export interface RunningKmsSimulator {
  /** e.g. `http://127.0.0.1:41234`: pass as `endpoint` to `KMSClient`. */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** The access key the simulator issued; requests signed otherwise are refused. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The IAM role the credentials belong to: name it in key policies' `Principal`. */
  readonly principalArn: string;
  /** The assumed-role session ARN KMS reports as the caller. */
  readonly callerArn: string;
  readonly stateDir: string;
  /** Request counting and injected failures (throttling, 5xx, resets), for tests of clients. */
  readonly faults: KmsFaultInjector;
  /** Stops listening and closes open connections; calling it again waits for the same stop. */
  stop(): Promise<void>;
}

const DEFAULT_ATTESTATION_MAX_AGE_MS = 5 * 60_000;

const optionsSchema = z.object({
  stateDir: z.string().min(1),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1'),
  roots: z.array(z.unknown()).min(1, 'must hold at least the simulated NSM root certificate'),
  port: z.int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  attestationMaxAgeMs: z.number().positive().optional(),
});

function checkOptions(options: KmsSimulatorOptions): void {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KmsSimulatorError(
      'KMS_SIM_OPTIONS_INVALID',
      `KMS simulator option ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  for (const root of options.roots) {
    try {
      parseCertificate(root);
    } catch (cause) {
      throw new KmsSimulatorError('KMS_SIM_OPTIONS_INVALID', 'a KMS simulator root is not a certificate', {
        cause,
      });
    }
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // The SDK keeps connections alive; close them so that stop() does not wait for their timeout.
    server.closeAllConnections();
  });
}

function reportInternalError(error: unknown): void {
  console.error(`KMS simulator internal error: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Starts the simulated KMS in this process: an HTTP endpoint speaking KMS's JSON 1.1 protocol to the real
 * `@aws-sdk/client-kms`, with SigV4 checked against the credentials it issues, key policies evaluated, and
 * `Recipient` requests answered with `CiphertextForRecipient` for documents from the simulated NSM.
 *
 * @example
 * const kms = await startKmsSimulator({ stateDir, region: 'us-east-1', roots: [nsmRootDer] });
 * const client = new KMSClient({ endpoint: kms.endpoint, region: kms.region, credentials: kms.credentials });
 * ...
 * await kms.stop();
 */
export async function startKmsSimulator(options: KmsSimulatorOptions): Promise<RunningKmsSimulator> {
  checkOptions(options);
  const directory = join(options.stateDir, 'kms');
  ensurePrivateDirectory(directory);
  const now = options.now ?? Date.now;
  const identity = loadOrCreateIdentity(directory, options.region);
  const store = KeyStore.open(directory, now);
  const caller = {
    principalArns: [rolePrincipalArn(identity), callerArn(identity)],
    arn: callerArn(identity),
  };
  const context: OperationContext = {
    store,
    scope: { region: identity.region, accountId: identity.accountId },
    caller,
    recipient: {
      roots: options.roots,
      maxAgeMs: options.attestationMaxAgeMs ?? DEFAULT_ATTESTATION_MAX_AGE_MS,
    },
    now,
  };
  const verifier = new SigV4Verifier({
    region: identity.region,
    service: 'kms',
    lookup: (accessKeyId) => (accessKeyId === identity.accessKeyId ? identity : undefined),
  });
  const faults = new KmsFaultInjector();
  const server = createServer(
    createKmsRequestListener({
      verifier,
      contextFor: () => context,
      onInternalError: options.onInternalError ?? reportInternalError,
      now: Date.now,
      faults,
    }),
  );
  const host = options.host ?? '127.0.0.1';
  const address = await listen(server, options.port ?? 0, host);
  let stopped: Promise<void> | undefined;
  const endpointHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    endpoint: `http://${endpointHost}:${address.port}`,
    region: identity.region,
    accountId: identity.accountId,
    credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey },
    principalArn: rolePrincipalArn(identity),
    callerArn: caller.arn,
    stateDir: options.stateDir,
    faults,
    stop: () => {
      stopped ??= close(server);
      return stopped;
    },
  };
}
