import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CmsError, EnclaveKmsClient, KmsClientError } from '../../enclave/kms/index.js';
import { productionPcrs, signTestDocument } from '../helpers/pki.js';
import { sdkClient, startTestKms, type TestKms } from './support/test-kms.js';
import { realCiphertextForRecipient } from './support/vectors.js';

const CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40) };

/** An HTTP server that answers every request with one fixed KMS response, signature unchecked. */
async function fixedKms(
  status: number,
  body: Record<string, unknown>,
): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function failure(promise: Promise<unknown>): Promise<{ error: unknown; code: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, code: (error as { code?: string } | undefined)?.code ?? 'no error' };
}

describe('EnclaveKmsClient failures, each with its own code', () => {
  let env: TestKms;
  const servers: Server[] = [];
  const clients: EnclaveKmsClient[] = [];

  beforeAll(async () => {
    env = await startTestKms();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });
  afterAll(async () => env.close());

  const attest = async (publicKey: Uint8Array) =>
    signTestDocument({ chain: env.chain, timestamp: Date.now(), pcrs: productionPcrs(), publicKey });

  async function clientFor(
    kms: KMSClient | { region: string; endpoint: string; credentials: typeof CREDENTIALS },
  ) {
    const client = await EnclaveKmsClient.create({ kms, attest });
    clients.push(client);
    return client;
  }

  async function clientAnswered(status: number, body: Record<string, unknown>): Promise<EnclaveKmsClient> {
    const { endpoint, server } = await fixedKms(status, body);
    servers.push(server);
    return clientFor(
      new KMSClient({ endpoint, region: 'eu-west-1', credentials: CREDENTIALS, maxAttempts: 1 }),
    );
  }

  it('KMS_UNAVAILABLE when nothing listens at the endpoint', async () => {
    const { endpoint, server } = await fixedKms(200, {});
    await new Promise((resolve) => server.close(resolve));
    const client = await clientFor({ region: 'eu-west-1', endpoint, credentials: CREDENTIALS });
    expect((await failure(client.generateRandom(8))).code).toBe('KMS_UNAVAILABLE');
  });

  it('KMS_UNAVAILABLE when KMS fails on its side', async () => {
    const client = await clientAnswered(500, { __type: 'KMSInternalException', message: 'boom' });
    const { error, code } = await failure(client.generateRandom(8));
    expect(code).toBe('KMS_UNAVAILABLE');
    expect(error).toMatchObject({ details: { awsError: 'KMSInternalException', httpStatus: 500 } });
  });

  it('KMS_CREDENTIALS_REJECTED for credentials the simulator did not issue', async () => {
    const client = await clientFor(sdkClient(env.simulator, CREDENTIALS));
    expect((await failure(client.generateDataKey({ keyId: 'alias/x' }))).code).toBe(
      'KMS_CREDENTIALS_REJECTED',
    );
  });

  it('KMS_NOT_FOUND for a missing alias', async () => {
    const client = await clientFor(env.kms);
    expect((await failure(client.generateDataKey({ keyId: 'alias/missing' }))).code).toBe('KMS_NOT_FOUND');
  });

  it('KMS_ATTESTATION_FAILED when the NSM does not attest, before anything is sent', async () => {
    const client = await EnclaveKmsClient.create({
      kms: env.kms,
      attest: async () => {
        throw new Error('NSM_UNAVAILABLE');
      },
    });
    const { error, code } = await failure(client.generateRandom(8));
    expect(code).toBe('KMS_ATTESTATION_FAILED');
    expect((error as Error).cause).toMatchObject({ message: 'NSM_UNAVAILABLE' });
  });

  it('KMS_RESPONSE_INVALID when KMS returns plaintext instead of an envelope, and never hands it out', async () => {
    const client = await clientAnswered(200, {
      KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      Plaintext: 'c2VjcmV0',
    });
    const { error, code } = await failure(client.decrypt({ ciphertextBlob: Uint8Array.of(1) }));
    expect(code).toBe('KMS_RESPONSE_INVALID');
    expect(JSON.stringify(error)).not.toContain('c2VjcmV0');
  });

  it('CMS_RECIPIENT_MISMATCH when the envelope is for another key (the real vector is)', async () => {
    const vector = Buffer.from(realCiphertextForRecipient()).toString('base64');
    const client = await clientAnswered(200, {
      KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      CiphertextForRecipient: vector,
    });
    const { error, code } = await failure(client.decrypt({ ciphertextBlob: Uint8Array.of(1) }));
    expect(error).toBeInstanceOf(CmsError);
    expect(code).toBe('CMS_RECIPIENT_MISMATCH');
  });

  it('is a NitroMpcError subclass with stable codes and JSON', async () => {
    const client = await clientAnswered(400, {
      __type: 'AccessDeniedException',
      Message: 'User: x is not authorized',
    });
    const { error } = await failure(client.generateRandom(8));
    expect(error).toBeInstanceOf(KmsClientError);
    expect((error as KmsClientError).toJSON()).toMatchObject({
      code: 'KMS_ACCESS_DENIED',
      details: { awsError: 'AccessDeniedException', httpStatus: 400 },
    });
    expect((error as Error).message).toMatch(/User: x is not authorized .*check the key policy/);
  });
});
