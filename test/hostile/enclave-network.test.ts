/**
 * Attacks on the real enclave process (and through the real proxy process), each while an honest three-party
 * session runs through the proxy: frames claiming gigabytes, CBOR nested thousands deep, slowloris connections,
 * a silent connection and a flood of pipelined requests that are never read. Each attacker is refused or dropped
 * with its code (the enclave logs `connection dropped: <code>`), and the honest session completes.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { FrameDecoder, type FrameEnvelope } from '../../protocol/transport/index.js';
import { HONEST_MEAN, type HostileDeployment, memoryOf, startHostileDeployment } from './deployment.js';
import { closedBy, deeplyNested, dribble, rawConnect, requestFrame } from './support.js';

let d: HostileDeployment;

beforeAll(async () => {
  d = await startHostileDeployment();
});

afterAll(async () => {
  await d?.stop();
});

/** A frame with `body` as its raw CBOR body bytes (whatever they hold). */
function rawFrame(body: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/** Every response frame on `socket` until `count` arrived; their error codes. */
function answers(socket: Socket, count: number): Promise<string[]> {
  const decoder = new FrameDecoder(1024 * 1024);
  const codes: string[] = [];
  return new Promise((resolve, reject) => {
    decoder.on('data', (envelope: FrameEnvelope) => {
      if (envelope.type !== 'response') return reject(new Error(`unexpected ${envelope.type} frame`));
      const body = envelope.body as Map<string, unknown>;
      codes.push(String(body.get('code') ?? body.get('type')));
      if (codes.length === count) resolve(codes);
    });
    decoder.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${codes.length} of ${count} answers`)));
    socket.pipe(decoder);
    socket.resume();
  });
}

describe('the enclave process under hostile connections', () => {
  it('drops frames claiming 2 GiB and CBOR nested 10,000 deep with their codes, and serves an honest session', async () => {
    const before = {
      large: d.logged('connection dropped: FRAME_TOO_LARGE'),
      malformed: d.logged('connection dropped: FRAME_MALFORMED'),
    };
    const attacks = (async () => {
      const attackers: Promise<void>[] = [];
      for (let i = 0; i < 5; i++) {
        // Through the proxy, as a party on the internet would; and straight at the enclave's socket.
        for (const address of [d.endpoint, d.enclave.address]) {
          const huge = await rawConnect(address);
          huge.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
          const nested = await rawConnect(address);
          nested.write(rawFrame(deeplyNested(10_000)));
          attackers.push(closedBy(huge), closedBy(nested));
        }
      }
      await Promise.all(attackers);
    })();
    expect(await d.honestMean()).toEqual(HONEST_MEAN);
    await attacks;
    const large = await d.loggedAtLeast('connection dropped: FRAME_TOO_LARGE', before.large + 10);
    const malformed = await d.loggedAtLeast('connection dropped: FRAME_MALFORMED', before.malformed + 10);
    expect(large - before.large).toBe(10);
    expect(malformed - before.malformed).toBe(10);
    expect(d.enclave.child.exitCode).toBeNull();
  });

  it('answers well-framed bad requests (an 800 KiB manifest, an unknown session, a bare array) with codes, on a live connection', async () => {
    const socket = await rawConnect(d.enclave.address);
    socket.pause();
    // Within the frame limit, so not a framing matter: each is refused by the schemas, and the connection stays.
    socket.write(requestFrame(1, { type: 'create-session', manifest: new Uint8Array(800 * 1024) }));
    socket.write(
      requestFrame(2, { type: 'attest', sessionId: new Uint8Array(32), nonce: new Uint8Array(16) }),
    );
    socket.write(requestFrame(3, encodeCbor([1, 2, 3])));
    expect(await answers(socket, 3)).toEqual(['MESSAGE_INVALID', 'SESSION_UNKNOWN', 'MESSAGE_INVALID']);
    socket.destroy();
  });

  it('drops slowloris connections (frames sent byte by byte) and a silent one, and serves an honest session', async () => {
    const before = {
      timeout: d.logged('connection dropped: FRAME_TIMEOUT'),
      idle: d.logged('connection dropped: TRANSPORT_IDLE_TIMEOUT'),
    };
    const slow: Promise<number>[] = [];
    const frame = requestFrame(1, {
      type: 'attest',
      sessionId: new Uint8Array(32),
      nonce: new Uint8Array(32),
    });
    for (let i = 0; i < 20; i++) {
      const socket = await rawConnect(d.enclave.address);
      slow.push(dribble(socket, frame, 300));
    }
    const silent = await rawConnect(d.enclave.address);
    expect(await d.honestMean()).toEqual(HONEST_MEAN);
    const sent = await Promise.all(slow);
    await closedBy(silent);
    // Each was cut off before its frame was whole (3 s into a frame that takes 30 s at that pace).
    for (const bytes of sent) expect(bytes).toBeLessThan(frame.length);
    const timeouts = await d.loggedAtLeast('connection dropped: FRAME_TIMEOUT', before.timeout + 20);
    const idle = await d.loggedAtLeast('connection dropped: TRANSPORT_IDLE_TIMEOUT', before.idle + 1);
    expect(timeouts - before.timeout).toBe(20);
    expect(idle - before.idle).toBeGreaterThanOrEqual(1);
  });

  it('stops reading a flood of pipelined requests that are never read, keeps its memory, and answers them all later', async () => {
    const count = 20_000;
    const padding = new Uint8Array(1000);
    const frames = Array.from({ length: count }, (_, i) =>
      requestFrame(i + 1, { type: 'status', sessionId: new Uint8Array(32), padding }),
    );
    const flood = { length: frames.reduce((sum, f) => sum + f.length, 0) };
    const socket = await rawConnect(d.enclave.address);
    socket.pause();
    const memoryBefore = memoryOf(d.enclave.pid);
    // One write per frame: what the kernel did not take stays in `writableLength`, byte-exact.
    for (const frame of frames) socket.write(frame);
    expect(await d.honestMean()).toEqual(HONEST_MEAN);
    // The honest session took its time; the flood is still mostly in the attacker's own socket buffer.
    const waiting = socket.writableLength;
    const memoryAfter = memoryOf(d.enclave.pid);
    console.log(
      JSON.stringify({
        flood: { requests: count, bytes: flood.length, takenByEnclave: flood.length - waiting },
        enclaveMemory: { before: memoryBefore, after: memoryAfter },
      }),
    );
    expect(waiting).toBeGreaterThan(flood.length / 2);
    expect(memoryAfter.peakRssMiB - memoryBefore.peakRssMiB).toBeLessThan(64);
    // Once the attacker reads, every request is answered (refused with its code): backpressure, not loss.
    const codes = await answers(socket, count);
    expect(new Set(codes)).toEqual(new Set(['MESSAGE_INVALID']));
    socket.destroy();
    expect(d.enclave.child.exitCode).toBeNull();
  });
});
