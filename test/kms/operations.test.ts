import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawKmsRequest } from './support/raw-request.js';
import { awsError, REGION, startTestKms, type TestKms } from './support/test-kms.js';

const ARN_RE = /^arn:aws:kms:eu-west-1:\d{12}:key\/[0-9a-f-]{36}$/;

describe('simulated KMS operations through the real SDK', () => {
  let env: TestKms;
  let keyId: string;
  let keyArn: string;
  beforeAll(async () => {
    env = await startTestKms();
    const created = await env.kms.send(new CreateKeyCommand({ Description: 'operations test' }));
    keyId = created.KeyMetadata?.KeyId ?? '';
    keyArn = created.KeyMetadata?.Arn ?? '';
  });
  afterAll(async () => env.close());

  it('creates a symmetric key with real metadata and the default key policy', async () => {
    const { KeyMetadata } = await env.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(KeyMetadata).toMatchObject({
      KeyId: keyId,
      Arn: keyArn,
      AWSAccountId: env.simulator.accountId,
      Enabled: true,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      Description: 'operations test',
    });
    expect(keyArn).toMatch(ARN_RE);
    expect(KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    const { Policy, PolicyName } = await env.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn }));
    expect(PolicyName).toBe('default');
    expect(JSON.parse(Policy ?? '')).toMatchObject({
      Statement: [{ Principal: { AWS: `arn:aws:iam::${env.simulator.accountId}:root` }, Action: 'kms:*' }],
    });
  });

  it('refuses key kinds it does not simulate', async () => {
    const error = await awsError(
      env.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })),
    );
    expect(error.name).toBe('UnsupportedOperationException');
  });

  it('names keys by id, ARN, alias and alias ARN', async () => {
    await env.kms.send(new CreateAliasCommand({ AliasName: 'alias/ops', TargetKeyId: keyId }));
    const aliasArn = `arn:aws:kms:${REGION}:${env.simulator.accountId}:alias/ops`;
    for (const name of [keyId, keyArn, 'alias/ops', aliasArn]) {
      const { KeyMetadata } = await env.kms.send(new DescribeKeyCommand({ KeyId: name }));
      expect(KeyMetadata?.KeyId, name).toBe(keyId);
    }
    const { Aliases } = await env.kms.send(new ListAliasesCommand({ KeyId: keyId }));
    expect(Aliases).toEqual([
      expect.objectContaining({ AliasName: 'alias/ops', AliasArn: aliasArn, TargetKeyId: keyId }),
    ]);
  });

  it('answers missing keys and aliases with NotFoundException, in KMS words', async () => {
    const missing = `arn:aws:kms:${REGION}:${env.simulator.accountId}:key/00000000-0000-4000-8000-000000000000`;
    expect(await awsError(env.kms.send(new DescribeKeyCommand({ KeyId: missing })))).toMatchObject({
      name: 'NotFoundException',
      message: `Key '${missing}' does not exist`,
    });
    expect(await awsError(env.kms.send(new DescribeKeyCommand({ KeyId: 'alias/none' })))).toMatchObject({
      name: 'NotFoundException',
      message: `Alias 'arn:aws:kms:${REGION}:${env.simulator.accountId}:alias/none' is not found.`,
    });
    const otherRegion = keyArn.replace(REGION, 'us-east-1');
    expect((await awsError(env.kms.send(new DescribeKeyCommand({ KeyId: otherRegion })))).name).toBe(
      'NotFoundException',
    );
  });

  it('refuses duplicate and reserved alias names', async () => {
    await env.kms.send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: keyId }));
    expect(
      (await awsError(env.kms.send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: keyId }))))
        .name,
    ).toBe('AlreadyExistsException');
    expect(
      (await awsError(env.kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/x', TargetKeyId: keyId }))))
        .name,
    ).toBe('InvalidAliasNameException');
    expect(
      (await awsError(env.kms.send(new CreateAliasCommand({ AliasName: 'nope', TargetKeyId: keyId })))).name,
    ).toBe('InvalidAliasNameException');
  });

  it('round-trips Encrypt and Decrypt with an encryption context, in any order', async () => {
    const plaintext = Buffer.from('party A input');
    const encrypted = await env.kms.send(
      new EncryptCommand({
        KeyId: 'alias/ops',
        Plaintext: plaintext,
        EncryptionContext: { purpose: 'mpc', party: 'A' },
      }),
    );
    expect(encrypted.KeyId).toBe(keyArn);
    expect(Buffer.from(encrypted.CiphertextBlob ?? []).includes(plaintext)).toBe(false);
    const decrypted = await env.kms.send(
      new DecryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        EncryptionContext: { party: 'A', purpose: 'mpc' },
      }),
    );
    expect(Buffer.from(decrypted.Plaintext ?? [])).toEqual(plaintext);
    expect(decrypted).toMatchObject({ KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
  });

  it('refuses Decrypt when the encryption context changes, is missing or grows: InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await env.kms.send(
      new EncryptCommand({
        KeyId: keyId,
        Plaintext: Buffer.from('x'),
        EncryptionContext: { purpose: 'mpc' },
      }),
    );
    for (const EncryptionContext of [
      { purpose: 'other' },
      undefined,
      { purpose: 'mpc', extra: '1' },
      { Purpose: 'mpc' },
    ]) {
      const error = await awsError(env.kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext })));
      expect(error.name, JSON.stringify(EncryptionContext)).toBe('InvalidCiphertextException');
    }
  });

  it('refuses tampered ciphertext, and ciphertext presented with another key id', async () => {
    const { CiphertextBlob = new Uint8Array() } = await env.kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }),
    );
    const tampered = new Uint8Array(CiphertextBlob);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expect((await awsError(env.kms.send(new DecryptCommand({ CiphertextBlob: tampered })))).name).toBe(
      'InvalidCiphertextException',
    );
    expect(
      (await awsError(env.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('garbage') })))).name,
    ).toBe('InvalidCiphertextException');
    const other = await env.kms.send(new CreateKeyCommand({}));
    const error = await awsError(
      env.kms.send(new DecryptCommand({ CiphertextBlob, KeyId: other.KeyMetadata?.KeyId })),
    );
    expect(error.name).toBe('IncorrectKeyException');
  });

  it('generates data keys by spec or size, with and without plaintext', async () => {
    const dataKey = await env.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    expect(dataKey.Plaintext).toHaveLength(32);
    const { Plaintext } = await env.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    expect(Buffer.from(Plaintext ?? [])).toEqual(Buffer.from(dataKey.Plaintext ?? []));
    expect(
      (await env.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 7 }))).Plaintext,
    ).toHaveLength(7);
    const hidden = await env.kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_128' }),
    );
    expect(hidden).not.toHaveProperty('Plaintext');
    const revealed = await env.kms.send(new DecryptCommand({ CiphertextBlob: hidden.CiphertextBlob }));
    expect(revealed.Plaintext).toHaveLength(16);
    const neither = await awsError(env.kms.send(new GenerateDataKeyCommand({ KeyId: keyId })));
    expect(neither).toMatchObject({
      name: 'ValidationException',
      message: 'Please specify either number of bytes or key spec.',
    });
  });

  it('generates random bytes within KMS limits', async () => {
    const { Plaintext } = await env.kms.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }));
    expect(Plaintext).toHaveLength(1024);
    const error = await awsError(env.kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })));
    expect(error).toEqual({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
      status: 400,
    });
  });

  it('validates every request at the edge, never echoing values', async () => {
    const missing = await rawKmsRequest(env.simulator, {
      target: 'Encrypt',
      body: JSON.stringify({ Plaintext: 'c2VjcmV0' }),
    });
    expect(missing.body).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    });
    const tooLong = await rawKmsRequest(env.simulator, {
      target: 'Encrypt',
      body: JSON.stringify({ KeyId: keyId, Plaintext: Buffer.alloc(4097, 0x41).toString('base64') }),
    });
    expect(tooLong.body['__type']).toBe('ValidationException');
    expect(String(tooLong.body['message'])).not.toContain('QUFB');
    const unknown = await rawKmsRequest(env.simulator, { target: 'ListKeys', body: '{"Recipent":{}}' });
    expect(unknown.body['message']).toMatch(/Unknown member\(s\) 'Recipent'/);
  });

  it('pages ListKeys with Limit and Marker', async () => {
    const all = (await env.kms.send(new ListKeysCommand({}))).Keys ?? [];
    expect(all.length).toBeGreaterThanOrEqual(2);
    const first = await env.kms.send(new ListKeysCommand({ Limit: 1 }));
    expect(first).toMatchObject({ Truncated: true, Keys: [all[0]] });
    const second = await env.kms.send(new ListKeysCommand({ Limit: 1, Marker: first.NextMarker }));
    expect(second.Keys).toEqual([all[1]]);
    expect((await awsError(env.kms.send(new ListKeysCommand({ Marker: 'bogus' })))).name).toBe(
      'InvalidMarkerException',
    );
  });

  it('disables and enables a key: DisabledException in between', async () => {
    const { KeyMetadata } = await env.kms.send(new CreateKeyCommand({}));
    const id = KeyMetadata?.KeyId;
    await env.kms.send(new DisableKeyCommand({ KeyId: id }));
    const error = await awsError(
      env.kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('x') })),
    );
    expect(error).toMatchObject({ name: 'DisabledException', message: `${KeyMetadata?.Arn} is disabled.` });
    await env.kms.send(new EnableKeyCommand({ KeyId: id }));
    await expect(
      env.kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('x') })),
    ).resolves.toBeDefined();
  });

  it('schedules deletion: the key is pending deletion and unusable', async () => {
    const { KeyMetadata } = await env.kms.send(new CreateKeyCommand({}));
    const before = Date.now();
    const scheduled = await env.kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata?.KeyId, PendingWindowInDays: 7 }),
    );
    const after = Date.now();
    expect(scheduled).toMatchObject({
      KeyId: KeyMetadata?.Arn,
      KeyState: 'PendingDeletion',
      PendingWindowInDays: 7,
    });
    const deletion = scheduled.DeletionDate?.getTime() ?? 0;
    expect(deletion).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(deletion).toBeLessThanOrEqual(after + 7 * 86_400_000);
    const error = await awsError(
      env.kms.send(new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: Buffer.from('x') })),
    );
    expect(error).toMatchObject({
      name: 'KMSInvalidStateException',
      message: `${KeyMetadata?.Arn} is pending deletion.`,
    });
    const again = await awsError(env.kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata?.KeyId })));
    expect(again.name).toBe('KMSInvalidStateException');
    const tooShort = await awsError(
      env.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 6 })),
    );
    expect(tooShort.name).toBe('ValidationException');
  });

  it('answers DryRun with DryRunOperationException when the call would succeed', async () => {
    const error = await awsError(
      env.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), DryRun: true })),
    );
    expect(error).toMatchObject({ name: 'DryRunOperationException', status: 412 });
  });

  describe('key policies', () => {
    const principal = () => env.simulator.principalArn;
    const policy = (statements: unknown[]) =>
      JSON.stringify({ Version: '2012-10-17', Statement: statements });
    const admin = () => ({
      Effect: 'Allow',
      Principal: { AWS: principal() },
      Action: ['kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:DescribeKey'],
      Resource: '*',
    });

    it('evaluates the policy it was given: AccessDeniedException in KMS words', async () => {
      const { KeyMetadata } = await env.kms.send(new CreateKeyCommand({ Policy: policy([admin()]) }));
      const error = await awsError(
        env.kms.send(new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: Buffer.from('x') })),
      );
      expect(error).toEqual({
        name: 'AccessDeniedException',
        message:
          `User: ${env.simulator.callerArn} is not authorized to perform: kms:Encrypt on resource: ${KeyMetadata?.Arn} ` +
          'because no resource-based policy allows the kms:Encrypt action',
        status: 400,
      });
    });

    it('lets an explicit Deny win', async () => {
      const { KeyMetadata } = await env.kms.send(new CreateKeyCommand({}));
      const id = KeyMetadata?.KeyId;
      const deny = { Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*' };
      const everything = { Effect: 'Allow', Principal: { AWS: principal() }, Action: 'kms:*', Resource: '*' };
      await env.kms.send(new PutKeyPolicyCommand({ KeyId: id, Policy: policy([everything, deny]) }));
      const error = await awsError(
        env.kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('x') })),
      );
      expect(error.message).toMatch(/with an explicit deny in a resource-based policy$/);
      await expect(
        env.kms.send(new GenerateDataKeyCommand({ KeyId: id, NumberOfBytes: 8 })),
      ).resolves.toBeDefined();
    });

    it('applies encryption context conditions', async () => {
      const statement = {
        Effect: 'Allow',
        Principal: { AWS: principal() },
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'mpc' } },
      };
      const { KeyMetadata } = await env.kms.send(
        new CreateKeyCommand({ Policy: policy([admin(), statement]) }),
      );
      const id = KeyMetadata?.KeyId;
      const ok = await env.kms.send(
        new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('x'), EncryptionContext: { purpose: 'mpc' } }),
      );
      expect(ok.CiphertextBlob).toBeDefined();
      for (const EncryptionContext of [undefined, { purpose: 'other' }]) {
        const error = await awsError(
          env.kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from('x'), EncryptionContext })),
        );
        expect(error.name).toBe('AccessDeniedException');
      }
    });

    it('refuses malformed policies and policies that would lock the caller out, unless bypassed', async () => {
      const malformed = await awsError(
        env.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: '{"Statement":' })),
      );
      expect(malformed.name).toBe('MalformedPolicyDocumentException');
      const lockout = policy([
        { Effect: 'Allow', Principal: { AWS: principal() }, Action: 'kms:Decrypt', Resource: '*' },
      ]);
      const refused = await awsError(
        env.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: lockout })),
      );
      expect(refused).toMatchObject({
        name: 'MalformedPolicyDocumentException',
        message: 'The new key policy will not allow you to update the key policy in the future.',
      });
      const { KeyMetadata } = await env.kms.send(
        new CreateKeyCommand({ Policy: lockout, BypassPolicyLockoutSafetyCheck: true }),
      );
      const locked = await awsError(env.kms.send(new GetKeyPolicyCommand({ KeyId: KeyMetadata?.KeyId })));
      expect(locked.name).toBe('AccessDeniedException');
    });
  });
});
