/**
 * Buffers holding inputs are zeroed on destruction. In process, with the real session service: the test keeps
 * references to every buffer the session holds an input in (stored plaintexts, pending stream chunks, parsed
 * values that are bytes) and checks that they are all zero once the session is destroyed, or the round evaluated.
 * It reads the session's private state on purpose: nothing public exposes a plaintext, which is the point.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { getFunction } from '../../enclave/functions/index.js';
import type { Session, SessionService } from '../../enclave/sessions/index.js';
import { InputStreamSealer, type Manifest, sessionIdOf } from '../../protocol/index.js';
import {
  codeOf,
  expectOk,
  makeWorld,
  meanManifest,
  openSession,
  type Party,
  signed,
  submit,
  type World,
} from '../enclave/support.js';

/** What the session keeps of an input, as far as this test looks. */
interface HeldInput {
  readonly plaintext: Uint8Array;
  readonly value: unknown;
}
interface HeldStream {
  readonly chunks: Uint8Array[];
}

function sessionOf(service: SessionService, manifest: Manifest): Session {
  const sessions = (service as unknown as { sessions: Map<string, Session> }).sessions;
  const session = sessions.get(Buffer.from(sessionIdOf(manifest)).toString('hex'));
  if (!session) throw new Error('no such session');
  return session;
}

/** Every buffer holding input bytes right now: plaintexts, byte values, pending chunks. */
function heldBuffers(session: Session): Uint8Array[] {
  const state = session as unknown as { inputs: Map<string, HeldInput>; streams: Map<string, HeldStream> };
  const buffers: Uint8Array[] = [];
  for (const input of state.inputs.values()) {
    buffers.push(input.plaintext);
    if (input.value instanceof Uint8Array) buffers.push(input.value);
  }
  for (const stream of state.streams.values()) buffers.push(...stream.chunks);
  return buffers;
}

const allZero = (buffers: readonly Uint8Array[]) => buffers.every((b) => b.every((byte) => byte === 0));

/** A session of sha256-concat: inputs are byte strings, kept as bytes after parsing. */
function bytesManifest(world: World): Manifest {
  const fn = getFunction('sha256-concat', '1.0.0');
  return meanManifest(world, {
    function: { id: fn.id, version: fn.version, measurement: fn.measurement },
    inputs: [
      { name: 'salaries-a', provider: 'alice', schema: 'bytes', maxBytes: 1 << 20, provide: 'each-round' },
      { name: 'salaries-b', provider: 'bob', schema: 'bytes', maxBytes: 1 << 20, provide: 'each-round' },
    ],
  });
}

/** Starts a stream for `party`'s input and sends `chunks` non-final chunks of random bytes. */
async function startStream(
  world: World,
  opened: Awaited<ReturnType<typeof openSession>>,
  party: Party,
  inputName: string,
  chunks: number,
) {
  const binding = { sessionId: opened.sessionId, inputName, partyId: party.id, round: 1 };
  const sealer = await InputStreamSealer.start({
    ...binding,
    recipientPublicKey: opened.attested.hpkePublicKey,
    senderSigningKey: party.signing.privateKey,
  });
  expectOk(
    await world.service.handle({
      type: 'submit-input-stream',
      sessionId: opened.sessionId,
      header: sealer.header,
    }),
    'chunk-accepted',
  );
  for (let i = 0; i < chunks; i++) {
    const chunk = await sealer.sealChunk(new Uint8Array(randomBytes(1000)), false);
    expectOk(await world.service.handle({ type: 'submit-input-chunk', ...binding, chunk }), 'chunk-accepted');
  }
  return { sealer, binding };
}

async function destroy(world: World, opened: { sessionId: Uint8Array }) {
  expectOk(
    await world.service.handle(
      signed(world, world.parties.alice, { type: 'destroy', sessionId: opened.sessionId }),
    ),
    'destroyed',
  );
}

describe('input buffers are zeroed', () => {
  it('stored plaintexts and byte values, after the session is destroyed', async () => {
    const world = await makeWorld();
    const manifest = bytesManifest(world);
    const opened = await openSession(world, manifest);
    expect(
      codeOf((await submit(world, opened, world.parties.alice, 'salaries-a', randomBytes(64))).response),
    ).toBe('input-accepted');
    // Bob's arrives as a stream: stored from its joined chunks.
    const { sealer, binding } = await startStream(world, opened, world.parties.bob, 'salaries-b', 0);
    const chunk = await sealer.sealChunk(encodeCbor(new Uint8Array(randomBytes(5000))), true);
    expect(codeOf(await world.service.handle({ type: 'submit-input-chunk', ...binding, chunk }))).toBe(
      'input-accepted',
    );
    const held = heldBuffers(sessionOf(world.service, manifest));
    // Two plaintexts and two parsed byte values (views into them, or copies: either way they must be zeroed).
    expect(held).toHaveLength(4);
    expect(allZero(held)).toBe(false);
    await destroy(world, opened);
    expect(allZero(held)).toBe(true);
  });

  it('chunks of a stream still pending, after the session is destroyed', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const opened = await openSession(world, manifest);
    await startStream(world, opened, world.parties.alice, 'salaries-a', 3);
    const held = heldBuffers(sessionOf(world.service, manifest));
    expect(held).toHaveLength(3);
    expect(allZero(held)).toBe(false);
    await destroy(world, opened);
    expect(allZero(held)).toBe(true);
  });

  it('inputs provided each round, once the round is evaluated', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const opened = await openSession(world, manifest);
    await submit(world, opened, world.parties.alice, 'salaries-a', [1.5, 2.5]);
    await submit(world, opened, world.parties.bob, 'salaries-b', [3.5]);
    const held = heldBuffers(sessionOf(world.service, manifest));
    expect(held).toHaveLength(2);
    expect(allZero(held)).toBe(false);
    expectOk(
      await world.service.handle(
        signed(world, world.parties.carol, { type: 'evaluate', sessionId: opened.sessionId, round: 1 }),
      ),
      'evaluation-started',
    );
    expect(allZero(held)).toBe(true);
  });

  // Starting an input again replaces the pending stream: the one replaced is zeroed, not just forgotten.
  it('chunks of a stream its party abandoned and started again', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const opened = await openSession(world, manifest);
    await startStream(world, opened, world.parties.alice, 'salaries-a', 2);
    const abandoned = heldBuffers(sessionOf(world.service, manifest));
    expect(abandoned).toHaveLength(2);
    await startStream(world, opened, world.parties.alice, 'salaries-a', 1);
    await destroy(world, opened);
    expect(allZero(abandoned)).toBe(true);
  });

  it('chunks of a stream abandoned for more than ten minutes, as soon as another stream starts', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const opened = await openSession(world, manifest);
    await startStream(world, opened, world.parties.alice, 'salaries-a', 2);
    const abandoned = heldBuffers(sessionOf(world.service, manifest));
    world.clock.now += 9 * 60_000;
    await startStream(world, opened, world.parties.bob, 'salaries-b', 1);
    expect(allZero(abandoned)).toBe(false);
    world.clock.now += 2 * 60_000;
    await startStream(world, opened, world.parties.bob, 'salaries-b', 1);
    expect(allZero(abandoned)).toBe(true);
  });
});
