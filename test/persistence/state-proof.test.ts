/**
 * The party's side of the rollback check: `PartyClient.status()` accepts only a state report signed by the attested
 * session key over its own request's nonce, and never one older than what the enclave acknowledged to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveSessions } from '../../enclave/server.js';
import type { SessionService } from '../../enclave/sessions/index.js';
import { EnclaveConnection, PartyClient } from '../../parent/client/index.js';
import type { EnclaveResponse } from '../../protocol/index.js';
import { makeWorld, meanManifest, type World } from '../enclave/support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The world's enclave served on a unix socket, through a parent that may rewrite its status answers. */
async function clientThroughParent(
  world: World,
  rewrite: (status: Extract<EnclaveResponse, { type: 'status' }>) => EnclaveResponse,
): Promise<{ client: PartyClient; address: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-proof-'));
  const parent = {
    async handle(message: unknown) {
      const answer = await world.service.handle(message);
      return answer.type === 'status' ? rewrite(answer) : answer;
    },
  } as unknown as SessionService;
  const server = await serveSessions(`unix://${join(dir, 'enclave.sock')}`, parent);
  const client = new PartyClient(
    await EnclaveConnection.open(`unix://${join(dir, 'enclave.sock')}`),
    world.parties.alice,
    {
      roots: [world.nsm.rootCertificate.der],
    },
  );
  cleanups.push(
    () => client.close(),
    () => server.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  return { client, address: `unix://${join(dir, 'enclave.sock')}` };
}

async function agreedSession(world: World, { client, address }: { client: PartyClient; address: string }) {
  // The party checks attestation at its own (real) time: the simulated NSM dates documents by the world's clock.
  world.clock.now = Date.now();
  const manifest = meanManifest(world);
  await client.create(manifest);
  const { carol, bob } = world.parties;
  await client.approve(manifest);
  for (const party of [bob, carol]) {
    const other = new PartyClient(await EnclaveConnection.open(address), party);
    await other.approve(manifest);
    other.close();
  }
  await client.attest(manifest);
  return manifest;
}

describe('PartyClient.status() checks the signed state', () => {
  it('accepts the honest report and remembers its counter', async () => {
    const world = await makeWorld();
    const parent = await clientThroughParent(world, (status) => status);
    const { client } = parent;
    const manifest = await agreedSession(world, parent);
    const status = await client.status(manifest);
    expect(status.state.counter).toBe(4); // created and three approvals
    expect(client.knownStateCounter(manifest)).toBe(4);
  });

  it('refuses a report whose signature the parent altered: STATE_PROOF_INVALID', async () => {
    const world = await makeWorld();
    const parent = await clientThroughParent(world, (status) => {
      const signature = new Uint8Array(status.state.signature);
      signature[0] = (signature[0] ?? 0) ^ 1;
      return { ...status, state: { ...status.state, signature } };
    });
    const manifest = await agreedSession(world, parent);
    await expect(parent.client.status(manifest)).rejects.toMatchObject({ code: 'STATE_PROOF_INVALID' });
  });

  it('refuses a report that raises the counter without the enclave signing it: STATE_PROOF_INVALID', async () => {
    const world = await makeWorld();
    const parent = await clientThroughParent(world, (status) => ({
      ...status,
      state: { ...status.state, counter: status.state.counter + 10 },
    }));
    const manifest = await agreedSession(world, parent);
    await expect(parent.client.status(manifest)).rejects.toMatchObject({ code: 'STATE_PROOF_INVALID' });
  });

  it('refuses an honest report older than an acknowledgement it holds: STATE_ROLLBACK', async () => {
    const world = await makeWorld();
    const parent = await clientThroughParent(world, (status) => status);
    const { client } = parent;
    const manifest = await agreedSession(world, parent);
    client.rememberStateCounter(manifest, 9);
    await expect(client.status(manifest)).rejects.toMatchObject({ code: 'STATE_ROLLBACK' });
  });
});
