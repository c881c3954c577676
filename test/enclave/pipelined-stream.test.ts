import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { type EnclaveResponse, InputStreamSealer } from '../../protocol/index.js';
import {
  codeOf,
  expectOk,
  makeWorld,
  meanManifest,
  openSession,
  type Party,
  signed,
  submit,
  T0,
  type World,
} from './support.js';

type OpenSession = Awaited<ReturnType<typeof openSession>>;

/** Starts a stream for `value` and hands every chunk to the service at once, as a pipelining party does. */
async function streamAtOnce(
  world: World,
  session: OpenSession,
  party: Party,
  inputName: string,
  value: unknown,
  chunkBytes: number,
): Promise<EnclaveResponse[]> {
  const binding = { sessionId: session.sessionId, inputName, partyId: party.id, round: 1 };
  const sealer = await InputStreamSealer.start({
    ...binding,
    recipientPublicKey: session.attested.hpkePublicKey,
    senderSigningKey: party.signing.privateKey,
  });
  expectOk(
    await world.service.handle({
      type: 'submit-input-stream',
      sessionId: session.sessionId,
      header: sealer.header,
    }),
    'chunk-accepted',
  );
  const plaintext = encodeCbor(value);
  const requests: unknown[] = [];
  for (let offset = 0; offset < plaintext.byteLength; offset += chunkBytes) {
    const final = offset + chunkBytes >= plaintext.byteLength;
    const chunk = await sealer.sealChunk(plaintext.subarray(offset, offset + chunkBytes), final);
    requests.push({ type: 'submit-input-chunk', ...binding, chunk });
  }
  return Promise.all(requests.map((request) => world.service.handle(request)));
}

describe('pipelined input streams', () => {
  it('opens chunks handed over before the previous ones were answered, in order', async () => {
    const world = await makeWorld();
    const { alice, bob, carol } = world.parties;
    const session = await openSession(world, meanManifest(world));
    world.clock.now = T0 + 60_000;
    const salaries = Array.from({ length: 500 }, (_, i) => 1000 + i * 3);
    const responses = await streamAtOnce(world, session, alice, 'salaries-a', salaries, 97);
    expect(responses.length).toBeGreaterThan(10);
    expect(responses.slice(0, -1).map(codeOf)).toEqual(responses.slice(0, -1).map(() => 'chunk-accepted'));
    expect(codeOf(responses.at(-1) as EnclaveResponse)).toBe('input-accepted');
    expect(codeOf((await submit(world, session, bob, 'salaries-b', [1000])).response)).toBe('input-accepted');
    expectOk(
      await world.service.handle(
        signed(world, carol, { type: 'evaluate', sessionId: session.sessionId, round: 1 }),
      ),
      'evaluation-started',
    );
  });

  it('refuses every chunk after an oversized one, stores nothing, and accepts a proper input after', async () => {
    const world = await makeWorld();
    const { alice } = world.parties;
    const session = await openSession(world, meanManifest(world));
    world.clock.now = T0 + 60_000;
    // About 90 KB against a 64 KiB limit: the fifth 16 KiB chunk goes over, two more follow it on the wire.
    const tooMany = Array.from({ length: 10_000 }, (_, i) => 2 ** 33 + i);
    const responses = await streamAtOnce(world, session, alice, 'salaries-a', tooMany, 16 * 1024);
    expect(responses.map(codeOf)).toEqual([
      'chunk-accepted',
      'chunk-accepted',
      'chunk-accepted',
      'chunk-accepted',
      'INPUT_TOO_LARGE',
      'INPUT_UNKNOWN',
    ]);
    const status = expectOk(
      await world.service.handle(signed(world, alice, { type: 'status', sessionId: session.sessionId })),
      'status',
    );
    expect(status.inputs.find((i) => i.inputName === 'salaries-a')?.provided).toBe(false);
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [5])).response)).toBe('input-accepted');
  });
});
