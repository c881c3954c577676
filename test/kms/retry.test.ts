/**
 * KMS unavailable: the enclave's KMS client retries what another attempt can cure (connection refused or reset,
 * timeouts, throttling, 5xx) with backoff, up to a bound, then says KMS_UNAVAILABLE with where and why; it never
 * retries an answer that will not change (AccessDenied, a bad ciphertext, a missing key). Real SDK, real simulator;
 * attempts are counted by the simulator and by the client's retry hook, never timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EnclaveKmsClient,
  type KmsClientError,
  type KmsRetryEvent,
  type KmsRetryPolicy,
} from '../../enclave/kms/index.js';
import type { KmsFault } from '../../simulator/kms/index.js';
import { productionPcrs, signTestDocument } from '../helpers/pki.js';
import { sdkClient, startTestKms, type TestKms } from './support/test-kms.js';

/** Fast backoff: the tests count attempts, they do not wait for them. */
const FAST: KmsRetryPolicy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

let env: TestKms;
const clients: EnclaveKmsClient[] = [];

beforeAll(async () => {
  env = await startTestKms();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  env.simulator.faults.reset();
});
afterAll(async () => env.close());

const attest = async (publicKey: Uint8Array) =>
  signTestDocument({ chain: env.chain, timestamp: Date.now(), pcrs: productionPcrs(), publicKey });

/** The production path: the client makes its own SDK client from a connection description. */
async function clientAt(endpoint: string, retry: KmsRetryPolicy = FAST): Promise<EnclaveKmsClient> {
  const client = await EnclaveKmsClient.create({
    kms: { region: env.simulator.region, endpoint, credentials: { ...env.simulator.credentials } },
    attest,
    retry,
  });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<KmsClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error('expected the call to fail');
  return error as KmsClientError;
}

function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port);
}

describe('KMS unreachable', () => {
  it('is KMS_UNAVAILABLE after maxAttempts connection-refused attempts, naming the endpoint and the cause', async () => {
    const down = await startTestKms();
    const endpoint = down.simulator.endpoint;
    await down.close();
    const retries: KmsRetryEvent[] = [];
    const client = await clientAt(endpoint, { ...FAST, onRetry: (event) => void retries.push(event) });
    const error = await failure(client.generateRandom(16));
    expect(error.code).toBe('KMS_UNAVAILABLE');
    expect(error.details).toMatchObject({ attempts: 4, lastReason: 'ECONNREFUSED', endpoint });
    expect(error.message).toContain(endpoint);
    expect(error.message).toMatch(/GenerateRandom .* failed 4 times .*ECONNREFUSED.*retry later/);
    expect(retries.map((r) => [r.attempt, r.reason])).toEqual([
      [1, 'ECONNREFUSED'],
      [2, 'ECONNREFUSED'],
      [3, 'ECONNREFUSED'],
    ]);
    // Never a credential in what an operator reads.
    expect(JSON.stringify(error.toJSON())).not.toContain(env.simulator.credentials.secretAccessKey);
  });

  it('succeeds when KMS comes up during the backoff', async () => {
    const late = await startTestKms();
    const endpoint = late.simulator.endpoint;
    await late.simulator.stop();
    let restarted: TestKms | undefined;
    const client = await EnclaveKmsClient.create({
      kms: { region: late.simulator.region, endpoint, credentials: { ...late.simulator.credentials } },
      attest: async (publicKey) =>
        signTestDocument({ chain: late.chain, timestamp: Date.now(), pcrs: productionPcrs(), publicKey }),
      retry: {
        ...FAST,
        // Awaited before the backoff: KMS is listening again before attempt 3 (same port, same state).
        onRetry: async ({ attempt }) => {
          if (attempt === 2)
            restarted = await startTestKms(
              { port: portOf(endpoint) },
              { stateDir: late.stateDir, chain: late.chain },
            );
        },
      },
    });
    clients.push(client);
    try {
      expect(await client.generateRandom(24)).toHaveLength(24);
      expect(restarted?.simulator.faults.received).toBe(1);
    } finally {
      await restarted?.close();
    }
  });

  it('abandons an attempt that hangs after attemptTimeoutMs and counts it as a timeout', async () => {
    // A server that accepts connections and never answers.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const address = silent.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const client = await clientAt(endpoint, { ...FAST, maxAttempts: 2, attemptTimeoutMs: 300 });
      const error = await failure(client.generateRandom(8));
      expect(error.code).toBe('KMS_UNAVAILABLE');
      expect(error.details).toMatchObject({ attempts: 2, lastReason: 'Timeout' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => silent.close(done));
    }
  });

  it("is KMS_UNAVAILABLE when the parent's egress relay is down, naming the relay", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-egress-down-'));
    const egress = `unix://${join(dir, 'no-relay.sock')}`;
    try {
      const retries: KmsRetryEvent[] = [];
      const client = await EnclaveKmsClient.create({
        kms: {
          region: env.simulator.region,
          endpoint: 'https://kms.eu-west-1.amazonaws.com',
          egress,
          credentials: { ...env.simulator.credentials },
        },
        attest,
        retry: { ...FAST, maxAttempts: 3, onRetry: (event) => void retries.push(event) },
      });
      clients.push(client);
      const error = await failure(client.generateRandom(8));
      expect(error.code).toBe('KMS_UNAVAILABLE');
      expect(error.details).toMatchObject({ attempts: 3, lastReason: 'TRANSPORT_CONNECT_FAILED' });
      expect(error.message).toContain(`via ${egress}`);
      expect(retries).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops at maxTotalMs even with attempts left', async () => {
    const down = await startTestKms();
    const endpoint = down.simulator.endpoint;
    await down.close();
    const client = await clientAt(endpoint, { maxAttempts: 50, baseDelayMs: 1, maxTotalMs: 0 });
    const error = await failure(client.generateRandom(8));
    expect(error.details).toMatchObject({ attempts: 1 });
  });
});

describe('KMS failing on its side', () => {
  it.each<KmsFault>([
    'ThrottlingException',
    'KMSInternalException',
    'DependencyTimeoutException',
    'ServiceUnavailable',
    'connection-reset',
  ])('%s is retried until KMS answers', async (fault) => {
    const client = await clientAt(env.simulator.endpoint);
    env.simulator.faults.failNext(2, fault);
    expect(await client.generateRandom(32)).toHaveLength(32);
    expect(env.simulator.faults.received).toBe(3);
  });

  it('throttling on every attempt ends in KMS_UNAVAILABLE with the AWS error', async () => {
    const client = await clientAt(env.simulator.endpoint);
    env.simulator.faults.failNext(10, 'ThrottlingException');
    const error = await failure(client.generateRandom(32));
    expect(error.code).toBe('KMS_UNAVAILABLE');
    expect(error.details).toMatchObject({
      attempts: 4,
      awsError: 'ThrottlingException',
      httpStatus: 400,
      lastReason: 'ThrottlingException',
    });
    expect(env.simulator.faults.received).toBe(4);
  });
});

describe('answers another attempt would not change', () => {
  it('AccessDenied is not retried', async () => {
    const client = await clientAt(env.simulator.endpoint);
    env.simulator.faults.failNext(1, 'AccessDeniedException');
    expect((await failure(client.generateRandom(8))).code).toBe('KMS_ACCESS_DENIED');
    expect(env.simulator.faults.received).toBe(1);
  });

  it('a missing key and a bad ciphertext are not retried', async () => {
    const client = await clientAt(env.simulator.endpoint);
    expect((await failure(client.generateDataKey({ keyId: 'alias/missing' }))).code).toBe('KMS_NOT_FOUND');
    expect((await failure(client.decrypt({ ciphertextBlob: new Uint8Array(64).fill(7) }))).code).toBe(
      'KMS_INVALID_CIPHERTEXT',
    );
    expect(env.simulator.faults.received).toBe(2);
  });

  it('credentials KMS does not know are not retried', async () => {
    const client = await EnclaveKmsClient.create({
      kms: {
        region: env.simulator.region,
        endpoint: env.simulator.endpoint,
        credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'y'.repeat(40) },
      },
      attest,
      retry: FAST,
    });
    clients.push(client);
    expect((await failure(client.generateRandom(8))).code).toBe('KMS_CREDENTIALS_REJECTED');
    expect(env.simulator.faults.received).toBe(1);
  });
});

describe('retry configuration', () => {
  it('never retries twice: a given SDK client that retries itself gets no retries from the enclave client', async () => {
    const retrying = new KMSClient({
      endpoint: env.simulator.endpoint,
      region: env.simulator.region,
      credentials: { ...env.simulator.credentials },
      maxAttempts: 2,
    });
    const client = await EnclaveKmsClient.create({ kms: retrying, attest, retry: FAST });
    try {
      env.simulator.faults.failNext(10, 'KMSInternalException');
      expect((await failure(client.generateRandom(8))).code).toBe('KMS_UNAVAILABLE');
      // The SDK's two attempts, not 2 x 4.
      expect(env.simulator.faults.received).toBe(2);
    } finally {
      retrying.destroy();
    }
  });

  it('refuses a policy out of range with KMS_OPTIONS_INVALID', async () => {
    await expect(
      EnclaveKmsClient.create({ kms: sdkClient(env.simulator), attest, retry: { maxAttempts: 0 } }),
    ).rejects.toMatchObject({ code: 'KMS_OPTIONS_INVALID' });
  });
});
