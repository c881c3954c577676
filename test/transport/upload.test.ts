import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type IncomingUpload, TransportError } from '../../protocol/transport/index.js';
import { type ChannelPair, channelPair, type PairKind } from './channel-pair.js';
import { generatedBytes, settled, until } from './helpers.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
let open: ChannelPair | undefined;

afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function digestOf(upload: IncomingUpload | undefined): Promise<Map<string, unknown>> {
  if (!upload) throw new Error('expected an upload');
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of upload) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return new Map<string, unknown>([
    ['bytes', bytes],
    ['sha256', hash.digest('hex')],
    ['verified', upload.sha256],
  ]);
}

describe.each<PairKind>(['unix', 'native'])('chunked uploads over %s', (kind) => {
  it('moves 64 MiB with the receiver holding a bounded number of bytes', async () => {
    open = await channelPair(kind, { handler: ({ upload }) => digestOf(upload), uploadBufferChunks: 4 });
    const sent = createHash('sha256');
    const counter = { produced: 0 };
    async function* source(): AsyncGenerator<Uint8Array> {
      for await (const piece of generatedBytes(64 * MiB, 256 * 1024, counter)) {
        sent.update(piece);
        yield piece;
      }
    }
    const answer = (await open.client.request('upload', { upload: source() })) as Map<string, unknown>;
    const expected = sent.digest('hex');
    expect(answer.get('bytes')).toBe(64 * MiB);
    expect(answer.get('sha256')).toBe(expected);
    expect(answer.get('verified')).toBe(expected);
    const server = await open.server;
    // One frame in assembly and at most the upload's high-water mark plus one chunk, whatever the input size.
    expect(server.stats.peakFrameBytesBuffered).toBeLessThanOrEqual(CHUNK + 64);
    expect(server.stats.peakUploadBytesBuffered).toBeLessThanOrEqual(5 * CHUNK);
    await open.client.close();
  });

  it('a receiver that stops reading stops the sender (backpressure)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    open = await channelPair(kind, {
      handler: async ({ upload }) => {
        await gate;
        return digestOf(upload);
      },
    });
    const counter = { produced: 0 };
    const answer = open.client.request('slow', { upload: generatedBytes(64 * MiB, CHUNK, counter) });
    await until(() => open?.client.stats.waitingForDrain === true);
    const stalledAt = await settled(() => counter.produced);
    // Socket buffers, stream buffers and the upload's buffer: a few MiB at most, not the 64 MiB on offer.
    expect(stalledAt).toBeLessThan(16 * MiB);
    expect(open.client.stats.waitingForDrain).toBe(true);
    release();
    expect(((await answer) as Map<string, unknown>).get('bytes')).toBe(64 * MiB);
    await open.client.close();
  });

  it('a peer that disconnects mid-upload gives typed errors on both sides and leaves nothing behind', async () => {
    let handlerError: unknown;
    let handlerStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      handlerStarted = resolve;
    });
    open = await channelPair(kind, {
      handler: async ({ upload }) => {
        handlerStarted();
        try {
          return await digestOf(upload);
        } catch (error) {
          handlerError = error;
          throw error;
        }
      },
    });
    const counter = { produced: 0 };
    const answer = open.client.request('doomed', { upload: generatedBytes(64 * MiB, CHUNK, counter) });
    await started;
    await until(() => counter.produced >= MiB);
    open.clientStream.destroy();
    const clientError = await answer.catch((error: unknown) => error);
    expect(clientError).toBeInstanceOf(TransportError);
    expect((clientError as TransportError).code).toBe('TRANSPORT_CONNECTION_LOST');

    const server = await open.server;
    const reason = await server.closed;
    expect(reason?.code).toBe('TRANSPORT_CONNECTION_LOST');
    await until(() => handlerError !== undefined);
    expect((handlerError as TransportError).code).toBe('TRANSPORT_CONNECTION_LOST');
    expect(server.stats.incomingRequests).toBe(0);
    expect(open.client.stats.pendingRequests).toBe(0);
    const closedError = await server.request('after').catch((error: unknown) => error);
    expect((closedError as TransportError).code).toBe('TRANSPORT_CONNECTION_LOST');
  });
});
