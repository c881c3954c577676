import { afterEach, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import {
  connect,
  FrameChannel,
  listen,
  TransportError,
  type TransportListener,
} from '../../protocol/transport/index.js';
import { scratchDirectory } from './helpers.js';

const MAX_FRAME = 64 * 1024;
let cleanup: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A server channel, and a raw client socket that writes whatever bytes a test wants. */
async function rawPeer(): Promise<{
  server: Promise<FrameChannel>;
  raw: Awaited<ReturnType<typeof connect>>;
}> {
  const scratch = scratchDirectory();
  let accept: (channel: FrameChannel) => void = () => undefined;
  const server = new Promise<FrameChannel>((resolve) => {
    accept = resolve;
  });
  const listener: TransportListener = await listen(`unix://${scratch.path('raw.sock')}`, (connection) =>
    accept(
      new FrameChannel(connection, {
        maxFrameBytes: MAX_FRAME,
        uploadChunkBytes: 16 * 1024,
        handler: () => 'ok',
      }),
    ),
  );
  const raw = await connect(listener.address);
  raw.on('error', () => undefined); // the server hangs up on purpose
  raw.resume();
  cleanup.push(
    async () => {
      raw.destroy();
    },
    () => listener.close(),
    () => scratch.cleanup(),
  );
  return { server, raw };
}

function frame(body: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

describe('frame limits and validation', () => {
  it('refuses a frame above the maximum from its header, without buffering its body', async () => {
    const { server, raw } = await rawPeer();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0x7fff_ffff, 0);
    raw.write(header);
    // Keep sending body bytes the reader must never keep.
    for (let i = 0; i < 64; i++) raw.write(Buffer.alloc(64 * 1024, 0xaa));
    const channel = await server;
    const reason = await channel.closed;
    expect(reason?.code).toBe('FRAME_TOO_LARGE');
    expect(reason?.details).toMatchObject({ bytes: 0x7fff_ffff, maxFrameBytes: MAX_FRAME });
    expect(channel.stats.peakFrameBytesBuffered).toBeLessThanOrEqual(4);
  });

  it.each([
    ['not CBOR', Uint8Array.of(0xff, 0xff, 0xff), 'FRAME_MALFORMED'],
    ['trailing bytes', Uint8Array.of(0x80, 0x00), 'FRAME_MALFORMED'],
    ['an unknown frame type', encodeCbor([1, 9, 0]), 'FRAME_MALFORMED'],
    ['a request id out of range', encodeCbor([1, 0, -1, null, false]), 'FRAME_MALFORMED'],
    ['another protocol version', encodeCbor([2, 0, 1, null, false]), 'FRAME_VERSION_UNSUPPORTED'],
    ['an answer to no request', encodeCbor([1, 1, 77, 'x']), 'FRAME_UNEXPECTED'],
    ['a chunk without an upload', encodeCbor([1, 3, 5, 0, new Uint8Array(4)]), 'FRAME_UNEXPECTED'],
  ])('disconnects a peer that sends %s, with a typed error', async (_name, body, code) => {
    const { server, raw } = await rawPeer();
    raw.write(frame(body));
    const reason = await (await server).closed;
    expect(reason).toBeInstanceOf(TransportError);
    expect(reason?.code).toBe(code);
  });

  it('refuses to send a frame above the maximum and keeps the connection usable', async () => {
    const { server, raw } = await rawPeer();
    raw.destroy();
    await server;
    const scratch = scratchDirectory();
    const listener = await listen(
      `unix://${scratch.path('s.sock')}`,
      (c) => new FrameChannel(c, { handler: () => 'pong' }),
    );
    const client = new FrameChannel(await connect(listener.address), {
      maxFrameBytes: MAX_FRAME,
      uploadChunkBytes: 1024,
    });
    cleanup.push(
      () => listener.close(),
      () => scratch.cleanup(),
    );
    const tooBig = await client.request(new Uint8Array(MAX_FRAME + 1)).catch((error: unknown) => error);
    expect((tooBig as TransportError).code).toBe('FRAME_TOO_LARGE');
    expect(await client.request('ping')).toBe('pong');
    await client.close();
  });
});
