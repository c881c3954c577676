/**
 * Real AF_VSOCK on this machine: binding and listening work, but nothing answers a connect (no vsock loopback),
 * so connecting is tested as a typed failure and data transfer through the same native stream over a socketpair.
 */
import { existsSync, readdirSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadNitroNative } from '../../native/index.js';
import { connect, listen, NativeSocketStream, TransportError } from '../../protocol/transport/index.js';

const hasVsock = existsSync('/dev/vsock');
const closedOf = (stream: Duplex): Promise<unknown> =>
  stream.closed ? Promise.resolve() : new Promise((resolve) => stream.once('close', resolve));
const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

describe.runIf(hasVsock)('vsock transport', () => {
  it('listens on VMADDR_CID_ANY with a system-chosen port, and closes', async () => {
    const before = openDescriptors();
    const listener = await listen('vsock://any:0', () => undefined);
    expect(listener.address.kind).toBe('vsock');
    if (listener.address.kind !== 'vsock') throw new Error('unreachable');
    expect(listener.address.port).toBeGreaterThan(0);
    expect(openDescriptors()).toBe(before + 1);

    // The port is taken while we listen.
    const again = await listen(
      { kind: 'vsock', cid: 0xffff_ffff, port: listener.address.port },
      () => undefined,
    ).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(TransportError);
    expect((again as TransportError).code).toBe('TRANSPORT_LISTEN_FAILED');
    expect((again as TransportError).details).toMatchObject({ errno: 'EADDRINUSE' });

    await listener.close();
    await listener.close();
    expect(openDescriptors()).toBe(before);
  });

  it('fails to connect to a CID with nothing there with TRANSPORT_CONNECT_FAILED', async () => {
    const before = openDescriptors();
    const error = await connect('vsock://3:5000', { timeoutMs: 5000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('TRANSPORT_CONNECT_FAILED');
    expect((error as TransportError).details).toMatchObject({ address: 'vsock://3:5000', errno: 'ENODEV' });
    expect(openDescriptors()).toBe(before);
  });
});

describe('the native socket stream (over an AF_UNIX socketpair)', () => {
  it('carries bytes both ways, half-closes, and releases its descriptors', async () => {
    const addon = loadNitroNative();
    const before = openDescriptors();
    const [a, b] = addon.socketPair();
    const left = new NativeSocketStream(addon, a, { allowHalfOpen: true });
    const right = new NativeSocketStream(addon, b, { allowHalfOpen: true });
    const received: Buffer[] = [];
    right.on('data', (chunk: Buffer) => received.push(chunk));
    const rightEnded = new Promise((resolve) => right.once('end', resolve));
    const payload = Buffer.alloc(3 * 1024 * 1024, 7);
    left.end(payload);
    await rightEnded;
    expect(Buffer.concat(received).equals(payload)).toBe(true);

    right.end(Buffer.from('bye'));
    const back: Buffer[] = [];
    for await (const chunk of left) back.push(chunk as Buffer);
    expect(Buffer.concat(back).toString()).toBe('bye');

    await Promise.all([closedOf(left), closedOf(right)]);
    expect(openDescriptors()).toBe(before);
  });
});
