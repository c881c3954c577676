/**
 * Writes whole frames to a stream one at a time, waiting for `drain` whenever the stream's buffer is full, so a
 * slow reader on the other side slows every writer here instead of growing a queue.
 */
import type { Duplex } from 'node:stream';
import { TransportError } from '../errors.js';
import type { FrameEnvelope } from './envelope.js';
import { encodeFrame } from './frame-codec.js';

export class FrameWriter {
  readonly #stream: Duplex;
  readonly #maxFrameBytes: number;
  #tail: Promise<void> = Promise.resolve();
  #waitingForDrain = false;

  constructor(stream: Duplex, maxFrameBytes: number) {
    this.#stream = stream;
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** True while writes wait for the peer to read (the stream's buffer is full). */
  get waitingForDrain(): boolean {
    return this.#waitingForDrain;
  }

  /** Resolves once the frame is handed to the stream; FRAME_TOO_LARGE if it is too big to send. */
  write(envelope: FrameEnvelope): Promise<void> {
    let frame: Buffer;
    try {
      frame = encodeFrame(envelope, this.#maxFrameBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    const written = this.#tail.then(() => this.#writeNow(frame));
    this.#tail = written.catch(() => undefined);
    return written;
  }

  async #writeNow(frame: Buffer): Promise<void> {
    const stream = this.#stream;
    if (stream.destroyed || stream.writableEnded) {
      throw new TransportError(
        'TRANSPORT_CONNECTION_LOST',
        'the connection is closed; the frame was not sent',
      );
    }
    if (stream.write(frame)) return;
    this.#waitingForDrain = true;
    try {
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          stream.off('drain', done);
          stream.off('close', lost);
          resolve();
        };
        const lost = (): void => {
          stream.off('drain', done);
          stream.off('close', lost);
          reject(
            new TransportError(
              'TRANSPORT_CONNECTION_LOST',
              'the connection closed while a frame waited to be sent',
            ),
          );
        };
        stream.on('drain', done);
        stream.on('close', lost);
      });
    } finally {
      this.#waitingForDrain = false;
    }
  }
}
