import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import { startKmsSimulator } from '../../simulator/kms/index.js';
import { awsError, REGION, startTestKms, type TestKms } from './support/test-kms.js';

const open: TestKms[] = [];
async function track(env: Promise<TestKms>): Promise<TestKms> {
  const started = await env;
  open.push(started);
  return started;
}

afterEach(async () => {
  // Only the most recent instance of each state directory is still running; close() stops it and removes the state.
  const current = new Map(open.map((env) => [env.stateDir, env]));
  open.length = 0;
  for (const env of current.values()) await env.close();
});

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('KMS simulator state directory', () => {
  it('keeps credentials, keys and aliases across a restart', async () => {
    const first = await track(startTestKms());
    const { KeyMetadata } = await first.kms.send(new CreateKeyCommand({ Description: 'survives' }));
    await first.kms.send(
      new CreateAliasCommand({ AliasName: 'alias/survivor', TargetKeyId: KeyMetadata?.KeyId }),
    );
    const { CiphertextBlob } = await first.kms.send(
      new EncryptCommand({
        KeyId: 'alias/survivor',
        Plaintext: Buffer.from('kept'),
        EncryptionContext: { a: 'b' },
      }),
    );

    const second = await track(first.restart());
    expect(second.simulator.credentials).toEqual(first.simulator.credentials);
    expect(second.simulator.accountId).toBe(first.simulator.accountId);
    expect(second.simulator.principalArn).toBe(first.simulator.principalArn);
    const described = await second.kms.send(new DescribeKeyCommand({ KeyId: 'alias/survivor' }));
    expect(described.KeyMetadata).toMatchObject({ KeyId: KeyMetadata?.KeyId, Description: 'survives' });
    const { Plaintext } = await second.kms.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: 'b' } }),
    );
    expect(Buffer.from(Plaintext ?? []).toString()).toBe('kept');
  });

  it('writes its state privately: directories 0700, files 0600', async () => {
    const env = await track(startTestKms());
    const { KeyMetadata } = await env.kms.send(new CreateKeyCommand({}));
    await env.kms.send(
      new CreateAliasCommand({ AliasName: 'alias/private', TargetKeyId: KeyMetadata?.KeyId }),
    );
    const directory = join(env.stateDir, 'kms');
    expect(mode(directory)).toBe(0o700);
    expect(mode(join(directory, 'keys'))).toBe(0o700);
    const files = [join(directory, 'identity.json'), join(directory, 'aliases.json')].concat(
      readdirSync(join(directory, 'keys')).map((name) => join(directory, 'keys', name)),
    );
    expect(files).toHaveLength(3);
    for (const file of files) expect(mode(file), file).toBe(0o600);
  });

  it('deletes a key, with its aliases, once its waiting period is over, and remembers that', async () => {
    let now = Date.now();
    const env = await track(startTestKms({ now: () => now }));
    const { KeyMetadata } = await env.kms.send(new CreateKeyCommand({}));
    const keyId = KeyMetadata?.KeyId ?? '';
    await env.kms.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: keyId }));
    await env.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    now += 7 * 86_400_000 - 1;
    expect((await env.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState).toBe(
      'PendingDeletion',
    );
    now += 2;
    expect((await awsError(env.kms.send(new DescribeKeyCommand({ KeyId: keyId })))).name).toBe(
      'NotFoundException',
    );
    expect((await env.kms.send(new ListAliasesCommand({}))).Aliases).toEqual([]);
    expect(existsSync(join(env.stateDir, 'kms', 'keys', `${keyId}.json`))).toBe(false);
    const restarted = await track(env.restart());
    expect((await awsError(restarted.kms.send(new DescribeKeyCommand({ KeyId: keyId })))).name).toBe(
      'NotFoundException',
    );
  });

  it('refuses to reuse a state directory for another region', async () => {
    const env = await track(startTestKms());
    const error = await startKmsSimulator({
      stateDir: env.stateDir,
      region: 'us-east-2',
      roots: [env.chain.root.der],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KMS_SIM_OPTIONS_INVALID' });
    expect(String((error as Error).message)).toContain(REGION);
  });

  it('refuses a damaged state file with a clear error', async () => {
    const env = await track(startTestKms());
    const { KeyMetadata } = await env.kms.send(new CreateKeyCommand({}));
    writeFileSync(join(env.stateDir, 'kms', 'keys', `${KeyMetadata?.KeyId}.json`), '{"keyId":');
    const error = await env.restart().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KMS_SIM_STATE_INVALID' });
  });

  it('checks its options: roots are required, a region must look like one', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'nitro-mpc-kms-options-'));
    try {
      for (const options of [
        { stateDir, region: REGION, roots: [] },
        { stateDir, region: 'Europe', roots: [new Uint8Array([1])] },
        { stateDir, region: REGION, roots: [new Uint8Array([1, 2, 3])] },
      ]) {
        await expect(startKmsSimulator(options)).rejects.toMatchObject({ code: 'KMS_SIM_OPTIONS_INVALID' });
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
