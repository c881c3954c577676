import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { InputOpenerError, InputOpenerPool } from '../../enclave/input-openers/index.js';
import {
  authSenderOf,
  CONTEXTS,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type InputBinding,
  inputOpeningKeysOf,
  openInputWithKeys,
  rawHpkePublicKey,
  recipientKeysOf,
  type SignedInputEnvelope,
  sealInput,
  signProtocolValue,
} from '../../protocol/index.js';

const entry = (name: string) => new URL(`./${name}`, import.meta.url);

const party = generateSigningKeyPair('Ed25519');
const session = await generateHpkeKeyPair();
const partyHpke = await generateHpkeKeyPair();
const keys = inputOpeningKeysOf(session.privateKey, party.publicKey);
const sessionId = new Uint8Array(randomBytes(32));
const binding = (i: number): InputBinding => ({
  sessionId,
  inputName: `in-${i}`,
  partyId: 'alice',
  round: 1,
});

async function sealed(i: number, value: unknown = [i]): Promise<SignedInputEnvelope> {
  return await sealInput({
    ...binding(i),
    plaintext: encodeCbor(value),
    recipientPublicKey: session.publicKey,
    senderSigningKey: party.privateKey,
  });
}

const flipped = (bytes: Uint8Array) => bytes.map((b, i) => (i === 0 ? b ^ 1 : b));

/** The party signing an envelope it altered: it passes the signature check and must fail HPKE. */
function resigned(envelope: SignedInputEnvelope): SignedInputEnvelope {
  const { signature: _old, ...body } = envelope;
  return { ...body, signature: signProtocolValue(CONTEXTS.inputEnvelope, body, party.privateKey) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return `${(error as Error).constructor.name}:${(error as { code?: string }).code}`;
  }
}

const pools: InputOpenerPool[] = [];
function startPool(
  size: number,
  name = 'opener-entry.mjs',
  lost?: string[],
  stalledAfterMs?: number,
): InputOpenerPool {
  const pool = new InputOpenerPool({
    size,
    entry: entry(name),
    ...(stalledAfterMs === undefined ? {} : { stalledAfterMs }),
    ...(lost ? { onWorkerLost: (reason) => lost.push(reason) } : {}),
  });
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe('InputOpenerPool', () => {
  it('opens on worker threads exactly what opening on this thread gives, each caller its own input', async () => {
    const pool = startPool(2);
    const envelopes = await Promise.all(Array.from({ length: 200 }, (_, i) => sealed(i)));
    const opened = await Promise.all(envelopes.map((envelope, i) => pool.open(envelope, keys, binding(i))));
    for (const [i, envelope] of envelopes.entries()) {
      const inline = await openInputWithKeys(envelope, keys, binding(i));
      expect(opened[i]?.plaintext).toEqual(inline.plaintext);
      expect(opened[i]?.commitment).toEqual(inline.commitment);
      expect(opened[i]?.plaintext).toEqual(encodeCbor([i]));
    }
  });

  it("opens HPKE auth-mode envelopes with the session's precomputed sender secret, which stays intact here", async () => {
    const pool = startPool(1);
    const sender = authSenderOf(recipientKeysOf(session.privateKey), rawHpkePublicKey(partyHpke.publicKey));
    const before = sender.staticSecret.slice();
    const authKeys = inputOpeningKeysOf(session.privateKey, party.publicKey, sender);
    const envelopes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sealInput({
          ...binding(i),
          plaintext: encodeCbor([i]),
          recipientPublicKey: session.publicKey,
          senderHpkeKey: partyHpke.privateKey,
        }),
      ),
    );
    const opened = await Promise.all(
      envelopes.map((envelope, i) => pool.open(envelope, authKeys, binding(i))),
    );
    expect(opened.map((o) => o.plaintext)).toEqual(envelopes.map((_, i) => encodeCbor([i])));
    expect(pool.openedHere).toBe(0);
    // The worker zeroed its copy, never this one: the session opens every later input of the party with it.
    expect(sender.staticSecret).toEqual(before);
    // Signed-mode keys (no sender HPKE key) refuse an auth-mode envelope, on the worker as here.
    expect(await codeOf(pool.open(envelopes[0], keys, binding(0)))).toBe('ProtocolError:SENDER_KEY_MISSING');
  });

  it('opens envelopes whose byte strings are views into a larger buffer (as decoded from a frame)', async () => {
    const pool = startPool(1);
    const envelope = await sealed(5);
    const frame = new Uint8Array(1 << 20);
    let at = 0;
    const view = (bytes: Uint8Array): Uint8Array => {
      frame.set(bytes, at);
      at += bytes.byteLength;
      return frame.subarray(at - bytes.byteLength, at);
    };
    const viewed = {
      ...envelope,
      sessionId: view(envelope.sessionId),
      enc: view(envelope.enc),
      ciphertext: view(envelope.ciphertext),
      signature: view(envelope.signature),
    };
    const opened = await pool.open(viewed, keys, { ...binding(5), sessionId: view(sessionId) });
    expect(opened.plaintext).toEqual(encodeCbor([5]));
    expect(opened.commitment).toEqual((await openInputWithKeys(envelope, keys, binding(5))).commitment);
  });

  it('refuses bad envelopes with the codes opening on this thread gives', async () => {
    const pool = startPool(1);
    const good = await sealed(1);
    const cases: [string, unknown, InputBinding][] = [
      ['forged signature', { ...good, signature: new Uint8Array(64) }, binding(1)],
      ['other binding', good, binding(2)],
      [
        'tampered ciphertext, signed again',
        resigned({ ...good, ciphertext: flipped(good.ciphertext) }),
        binding(1),
      ],
      ['not an envelope', { v: 2 }, binding(1)],
    ];
    for (const [, envelope, expected] of cases) {
      const viaPool = await codeOf(pool.open(envelope, keys, expected));
      expect(viaPool).toBe(await codeOf(openInputWithKeys(envelope, keys, expected)));
      expect(viaPool).toMatch(
        /^ProtocolError:(SIGNATURE_INVALID|BINDING_MISMATCH|HPKE_OPEN_FAILED|MESSAGE_INVALID)$/,
      );
    }
    // The codes seen, one per case, in order.
    const codes = await Promise.all(cases.map(([, e, b]) => codeOf(pool.open(e, keys, b))));
    expect(codes).toEqual([
      'ProtocolError:SIGNATURE_INVALID',
      'ProtocolError:BINDING_MISMATCH',
      'ProtocolError:HPKE_OPEN_FAILED',
      'ProtocolError:MESSAGE_INVALID',
    ]);
    expect(await pool.open(good, keys, binding(1))).toBeDefined();
  });

  it('refuses what a lost worker held with INPUT_OPENER_FAILED, replaces it, and opens on this thread when workers keep failing', async () => {
    const lost: string[] = [];
    const pool = startPool(1, 'failing-entry.mjs', lost);
    const envelope = await sealed(7);
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await pool.open(envelope, keys, binding(7)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(InputOpenerError);
      expect((refused as InputOpenerError).code).toBe('INPUT_OPENER_FAILED');
    }
    expect(lost).toHaveLength(3);
    expect(lost[0]).toMatch(/exited with code 3/);
    expect(pool.size).toBe(0);
    const opened = await pool.open(envelope, keys, binding(7));
    expect(opened.plaintext).toEqual(encodeCbor([7]));
  });

  it('hands the plaintext over without leaving the worker a copy to share: the buffer is its own', async () => {
    const pool = startPool(1);
    const opened = await pool.open(await sealed(3, 'x'.repeat(1000)), keys, binding(3));
    expect(opened.plaintext.byteOffset).toBe(0);
    expect(opened.plaintext.buffer.byteLength).toBe(opened.plaintext.byteLength);
  });

  it('opens on this thread, one at a time, once the worker has finished nothing for a while', async () => {
    const pool = startPool(1, 'stalled-entry.mjs', undefined, 30);
    const envelopes = await Promise.all([0, 1, 2, 3].map((i) => sealed(i)));
    // The first two wait on the stalled worker; once it has sat on them past the limit, the third opens here.
    const waiting = [0, 1].map((i) => pool.open(envelopes[i], keys, binding(i)));
    expect(pool.openedHere).toBe(0);
    await sleep(60);
    const opened = await pool.open(envelopes[2], keys, binding(2));
    expect(opened.plaintext).toEqual(encodeCbor([2]));
    expect(pool.openedHere).toBe(1);
    const settled = await Promise.race([
      Promise.any(waiting).then(() => 'answered'),
      sleep(100).then(() => 'waiting'),
    ]);
    expect(settled).toBe('waiting');
    await pool.close(50);
    await expect(Promise.all(waiting)).rejects.toMatchObject({ code: 'INPUT_OPENER_FAILED' });
  });

  it('hands inputs to a worker that has finished its earlier ones even while their answers are unread here', async () => {
    const pool = startPool(1);
    const envelopes = await Promise.all([0, 1, 2, 3].map((i) => sealed(i)));
    await pool.open(envelopes[0], keys, binding(0));
    const first = [1, 2].map((i) => pool.open(envelopes[i], keys, binding(i)));
    expect(pool.backlog).toBeGreaterThan(0);
    await new Promise((turn) => setImmediate(turn));
    // Posted by now; this thread stays busy (as under a burst of frames): the worker's answers wait in its queue,
    // unread.
    const deadline = Date.now() + 10_000;
    while (pool.backlog > 0 && Date.now() < deadline) {
      /* spin */
    }
    expect(pool.backlog).toBe(0);
    const third = pool.open(envelopes[3], keys, binding(3));
    const opened = await Promise.all([...first, third]);
    expect(opened.map((o) => o.plaintext)).toEqual([1, 2, 3].map((i) => encodeCbor([i])));
    // Handed to the idle worker, not opened here.
    expect(pool.openedHere).toBe(0);
  });

  it('hands an input to an idle worker at once, without waiting for this turn of the event loop to end', async () => {
    const pool = startPool(1);
    const envelope = await sealed(5);
    await pool.open(await sealed(4), keys, binding(4));
    const opening = pool.open(envelope, keys, binding(5));
    // This thread stays busy, as while it decodes a burst of frames: the idle worker opens the input meanwhile.
    const deadline = Date.now() + 10_000;
    while (pool.backlog > 0 && Date.now() < deadline) {
      /* spin */
    }
    expect(pool.backlog).toBe(0);
    expect((await opening).plaintext).toEqual(encodeCbor([5]));
    expect(pool.openedHere).toBe(0);
  });

  it('leaves every input to a worker that keeps finishing them, however many are queued', async () => {
    // A generous limit: a loaded test machine may keep the worker off a core for a while.
    const pool = startPool(1, undefined, undefined, 10_000);
    const envelopes = await Promise.all(Array.from({ length: 60 }, (_, i) => sealed(i)));
    const opening: Promise<unknown>[] = [];
    // Arriving over many turns of the event loop, as frames do, faster than the worker finishes them.
    for (const [i, envelope] of envelopes.entries()) {
      opening.push(pool.open(envelope, keys, binding(i)));
      if (i % 3 === 2) await new Promise((turn) => setImmediate(turn));
    }
    await Promise.all(opening);
    expect(pool.openedHere).toBe(0);
  });

  it('refuses what cannot be handed to a worker with INPUT_OPENER_FAILED and keeps serving', async () => {
    const pool = startPool(1);
    const envelope = await sealed(6);
    const unclonable = { ...envelope, extra: () => 1 };
    await expect(pool.open(unclonable, keys, binding(6))).rejects.toMatchObject({
      code: 'INPUT_OPENER_FAILED',
    });
    expect((await pool.open(envelope, keys, binding(6))).plaintext).toEqual(encodeCbor([6]));
  });

  it('after close, opens on this thread', async () => {
    const pool = startPool(1);
    await pool.close();
    expect(pool.size).toBe(0);
    expect((await pool.open(await sealed(4), keys, binding(4))).plaintext).toEqual(encodeCbor([4]));
  });
});
