/**
 * The frame channel's own defences, on real sockets: a peer that dribbles a frame byte by byte (slowloris), one
 * that sends nothing, and one that never reads what it is sent are each dropped with their code; the timeouts
 * here are short so that the tests are quick, the defaults are seconds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_FRAME_TIMEOUT_MS,
  FrameChannel,
  type FrameChannelOptions,
  formatTransportAddress,
  listen,
  type TransportListener,
} from '../../protocol/transport/index.js';
import { scratchDirectory } from '../transport/helpers.js';
import { closedBy, dribble, rawConnect, requestFrame } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server whose every connection is a frame channel with `options`; its channels in order of arrival. */
async function server(
  options: FrameChannelOptions,
): Promise<{ address: string; channels: Promise<FrameChannel>[] }> {
  const scratch = scratchDirectory();
  const channels: Promise<FrameChannel>[] = [];
  const waiting: ((c: FrameChannel) => void)[] = [];
  for (let i = 0; i < 8; i++) channels.push(new Promise((resolve) => waiting.push(resolve)));
  const listener: TransportListener = await listen(`unix://${scratch.path('s.sock')}`, (connection) => {
    waiting.shift()?.(new FrameChannel(connection, options));
  });
  cleanups.push(async () => {
    await listener.close();
    scratch.cleanup();
  });
  return { address: formatTransportAddress(listener.address), channels };
}

describe('frame channel timeouts', () => {
  it('has a partial-frame timeout by default, and none for idle connections or readers', () => {
    expect(DEFAULT_FRAME_TIMEOUT_MS).toBe(30_000);
  });

  it('drops a peer that sends a frame header byte by byte with FRAME_TIMEOUT', async () => {
    const { address, channels } = await server({ frameTimeoutMs: 300, handler: () => 'ok' });
    const socket = await rawConnect(address);
    const frame = requestFrame(1, { type: 'status' });
    const sent = dribble(socket, frame, 40);
    const channel = await channels[0];
    const reason = await channel?.closed;
    expect(reason).toMatchObject({ code: 'FRAME_TIMEOUT' });
    await closedBy(socket);
    expect(await sent).toBeLessThan(frame.length);
  });

  it('drops a peer that stops in the middle of a frame body with FRAME_TIMEOUT', async () => {
    const { address, channels } = await server({ frameTimeoutMs: 200, handler: () => 'ok' });
    const socket = await rawConnect(address);
    const frame = requestFrame(1, { type: 'status', padding: new Uint8Array(100) });
    socket.write(frame.subarray(0, 50));
    expect(await (await channels[0])?.closed).toMatchObject({
      code: 'FRAME_TIMEOUT',
      details: expect.objectContaining({ bytesBuffered: frame.length - 4 }),
    });
    await closedBy(socket);
  });

  it('closes a connection that sends nothing with TRANSPORT_IDLE_TIMEOUT, and keeps a busy one', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { address, channels } = await server({
      idleTimeoutMs: 150,
      handler: async () => {
        await slow;
        return 'done';
      },
    });
    const silent = await rawConnect(address);
    expect(await (await channels[0])?.closed).toMatchObject({ code: 'TRANSPORT_IDLE_TIMEOUT' });
    await closedBy(silent);

    // A request in flight is not idleness: the connection outlives several idle periods until it is answered.
    const busy = await rawConnect(address);
    busy.write(requestFrame(1, 'work'));
    const answered = new Promise<Buffer>((resolve) => busy.once('data', resolve));
    const busyChannel = await channels[1];
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(busyChannel?.stats.incomingRequests).toBe(1);
    release();
    expect((await answered).length).toBeGreaterThan(4);
    expect(await busyChannel?.closed).toMatchObject({ code: 'TRANSPORT_IDLE_TIMEOUT' });
  });

  it('drops a peer that never reads its responses with TRANSPORT_WRITE_TIMEOUT', async () => {
    const big = new Uint8Array(256 * 1024);
    const { address, channels } = await server({ drainTimeoutMs: 200, handler: () => big });
    const socket = await rawConnect(address);
    socket.pause();
    for (let id = 1; id <= 64; id++) socket.write(requestFrame(id, 'give me a lot'));
    const channel = await channels[0];
    expect(await channel?.closed).toMatchObject({ code: 'TRANSPORT_WRITE_TIMEOUT' });
    expect(channel?.stats.peakIncomingRequests).toBeLessThanOrEqual(32);
    socket.destroy();
  });
});
