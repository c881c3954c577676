import { ListKeysCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawRequest, rawKmsRequest } from './support/raw-request.js';
import { awsError, sdkClient, startTestKms, type TestKms } from './support/test-kms.js';

describe('SigV4 on the simulated KMS', () => {
  let env: TestKms;
  beforeAll(async () => {
    env = await startTestKms();
  });
  afterAll(async () => env.close());

  const listKeys = (overrides: Partial<RawRequest> = {}) =>
    rawKmsRequest(env.simulator, { target: 'ListKeys', body: '{}', ...overrides });

  it('answers a correctly signed request (so that the refusals below are about the signature)', async () => {
    const response = await listKeys();
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ Keys: [], Truncated: false });
  });

  it('refuses a request signed with the wrong secret: InvalidSignatureException, through the real SDK', async () => {
    const client = sdkClient(env.simulator, {
      ...env.simulator.credentials,
      secretAccessKey: 'x'.repeat(40),
    });
    const error = await awsError(client.send(new ListKeysCommand({})));
    client.destroy();
    expect(error).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(error.message).toMatch(/^The request signature we calculated does not match/);
  });

  it('refuses an access key it did not issue: UnrecognizedClientException', async () => {
    const client = sdkClient(env.simulator, {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'x'.repeat(40),
    });
    const error = await awsError(client.send(new ListKeysCommand({})));
    client.destroy();
    expect(error).toEqual({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      status: 400,
    });
  });

  it('refuses a session token, since it issues none', async () => {
    const response = await listKeys({ credentials: { ...env.simulator.credentials, sessionToken: 'token' } });
    expect(response.body['__type']).toBe('UnrecognizedClientException');
  });

  it('refuses an unsigned request: MissingAuthenticationTokenException', async () => {
    const response = await listKeys({ unsigned: true });
    expect(response).toEqual({
      status: 400,
      body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
    });
  });

  it('refuses an Authorization header without a signature: IncompleteSignatureException', async () => {
    const response = await listKeys({
      tamper: (request) => {
        request.headers['authorization'] = (request.headers['authorization'] ?? '').replace(
          /, Signature=.*$/,
          '',
        );
      },
    });
    expect(response.status).toBe(400);
    expect(response.body['__type']).toBe('IncompleteSignatureException');
    expect(response.body['message']).toMatch(/requires 'Signature' parameter/);
  });

  it('refuses a body changed after signing, with or without its signed hash', async () => {
    const changed = await listKeys({
      body: '{"Limit":1}',
      tamper: (request) => Object.assign(request, { body: '{"Limit":2}' }),
    });
    expect(changed.body['__type']).toBe('InvalidSignatureException');
    const unhashed = await listKeys({
      body: '{"Limit":1}',
      tamper: (request) => {
        delete request.headers['x-amz-content-sha256'];
        request.body = '{"Limit":2}';
      },
    });
    expect(unhashed.body['__type']).toBe('InvalidSignatureException');
  });

  it('refuses a changed signed header (the operation name)', async () => {
    const response = await listKeys({
      tamper: (request) => {
        request.headers['x-amz-target'] = 'TrentService.ListAliases';
      },
    });
    expect(response.body['__type']).toBe('InvalidSignatureException');
  });

  it('refuses a signature older than five minutes, in AWS words', async () => {
    const response = await listKeys({ signingDate: new Date(Date.now() - 10 * 60_000) });
    expect(response.body['__type']).toBe('InvalidSignatureException');
    expect(response.body['message']).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z/,
    );
    const future = await listKeys({ signingDate: new Date(Date.now() + 10 * 60_000) });
    expect(future.body['message']).toMatch(/^Signature not yet current/);
  });

  it('refuses a credential scoped to another region or service', async () => {
    const region = await listKeys({ region: 'us-west-2' });
    expect(region.body).toEqual({
      __type: 'InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'us-west-2'.",
    });
    const service = await listKeys({ service: 's3' });
    expect(service.body['message']).toBe("Credential should be scoped to correct service: 'kms'.");
  });

  it('answers an unknown operation as UnknownOperationException, after authentication', async () => {
    const response = await rawKmsRequest(env.simulator, { target: 'ListRetirableGrants', body: '{}' });
    expect(response.body['__type']).toBe('UnknownOperationException');
    const unsigned = await rawKmsRequest(env.simulator, {
      target: 'ListRetirableGrants',
      body: '{}',
      unsigned: true,
    });
    expect(unsigned.body['__type']).toBe('MissingAuthenticationTokenException');
  });

  it('refuses a body that is not a JSON object: SerializationException', async () => {
    const response = await listKeys({ body: '[1,2]' });
    expect(response.body['__type']).toBe('SerializationException');
  });
});
