/** Raw sockets for hostile peers: they speak bytes, not the SDK, so they can send what no honest party would. */
import { Socket } from 'node:net';
import { encodeFrame, type FrameEnvelope } from '../../protocol/transport/index.js';

/** A raw connection to a `unix://` or `tcp://` transport address. */
export function rawConnect(address: string): Promise<Socket> {
  const socket = new Socket();
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    const ready = () => {
      socket.off('error', reject);
      // An attacker's writes fail once the server dropped it (EPIPE, ECONNRESET): that is the point.
      socket.on('error', () => undefined);
      resolve(socket);
    };
    if (address.startsWith('unix://')) socket.connect(address.slice('unix://'.length), ready);
    else {
      const match = /^tcp:\/\/(.+):(\d+)$/.exec(address);
      if (!match) throw new Error(`not a unix or tcp address: ${address}`);
      socket.connect(Number(match[2]), match[1] ?? '127.0.0.1', ready);
    }
  });
}

/** Resolves once the peer has closed the socket (the server dropped it). */
export function closedBy(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** One request frame, as the SDK would write it. */
export function requestFrame(id: number, body: unknown): Buffer {
  const envelope: FrameEnvelope = { type: 'request', id, body, hasUpload: false };
  return encodeFrame(envelope, 1024 * 1024);
}

/** Writes `bytes` one byte per `everyMs` until the socket closes: a slowloris peer. Returns how many it sent. */
export function dribble(socket: Socket, bytes: Uint8Array, everyMs: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || sent >= bytes.length) {
        clearInterval(timer);
        resolve(sent);
        return;
      }
      socket.write(bytes.subarray(sent, sent + 1));
      sent += 1;
    }, everyMs);
    socket.once('close', () => {
      clearInterval(timer);
      resolve(sent);
    });
  });
}

/** A CBOR array nested `depth` deep around a 0: far past the 32 levels the strict decoder allows. */
export function deeplyNested(depth: number): Uint8Array {
  const bytes = new Uint8Array(depth + 1).fill(0x81);
  bytes[depth] = 0x00;
  return bytes;
}
