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
  readonly #drainTimeoutMs: number;
  readonly #onWritten: () => void;
  #tail: Promise<void> = Promise.resolve();
  #waitingForDrain = false;

  /**
   * `drainTimeoutMs` (0: none) bounds how long a frame may wait for the peer to read: past it the stream is
   * destroyed with TRANSPORT_WRITE_TIMEOUT. `onWritten` is told after each frame is handed to the stream.
   */
  constructor(stream: Duplex, maxFrameBytes: number, drainTimeoutMs = 0, onWritten: () => void = () => {}) {
    this.#stream = stream;
    this.#maxFrameBytes = maxFrameBytes;
    this.#drainTimeoutMs = drainTimeoutMs;
    this.#onWritten = onWritten;
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
    const flushed = stream.write(frame);
    this.#onWritten();
    if (flushed) return;
    this.#waitingForDrain = true;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer =
          this.#drainTimeoutMs > 0
            ? setTimeout(() => {
                const error = new TransportError(
                  'TRANSPORT_WRITE_TIMEOUT',
                  `the peer read nothing for ${this.#drainTimeoutMs} ms while frames waited; the connection was dropped`,
                  { details: { drainTimeoutMs: this.#drainTimeoutMs } },
                );
                stop();
                stream.destroy(error);
                reject(error);
              }, this.#drainTimeoutMs)
            : undefined;
        const stop = (): void => {
          clearTimeout(timer);
          stream.off('drain', done);
          stream.off('close', lost);
        };
        const done = (): void => {
          stop();
          resolve();
        };
        const lost = (): void => {
          stop();
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
