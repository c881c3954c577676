/**
 * Bytes in, validated envelopes out. The length header is checked before any body byte is kept, so a peer that
 * announces a frame above the maximum is refused at once, and the body buffer is never larger than the maximum.
 * As a Transform it carries backpressure: when nobody takes envelopes, it stops taking bytes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { TransportError } from '../errors.js';
import { decodeFrameBody, frameTooLarge } from './frame-codec.js';
import { FRAME_HEADER_BYTES } from './limits.js';

/** Envelopes queued for the consumer before the decoder stops accepting bytes. */
const ENVELOPE_QUEUE_LENGTH = 16;

export class FrameDecoder extends Transform {
  readonly #maxFrameBytes: number;
  readonly #onFrameBoundary: ((midFrame: boolean) => void) | undefined;
  readonly #header = Buffer.alloc(FRAME_HEADER_BYTES);
  #headerFilled = 0;
  #body: Buffer | undefined;
  #bodyFilled = 0;
  #peakBufferedBytes = 0;

  /** `onFrameBoundary` is told when a frame's first byte arrives (true) and when the frame is complete (false). */
  constructor(maxFrameBytes: number, onFrameBoundary?: (midFrame: boolean) => void) {
    super({
      readableObjectMode: true,
      readableHighWaterMark: ENVELOPE_QUEUE_LENGTH,
      writableHighWaterMark: 16 * 1024,
    });
    this.#maxFrameBytes = maxFrameBytes;
    this.#onFrameBoundary = onFrameBoundary;
  }

  /** Bytes held for the frame being assembled (its header so far, or its body buffer). */
  get bufferedBytes(): number {
    return this.#body ? this.#body.length : this.#headerFilled;
  }

  /** The most `bufferedBytes` ever was: at most the maximum frame size. */
  get peakBufferedBytes(): number {
    return this.#peakBufferedBytes;
  }

  /** Whether a frame has started and not finished (a peer leaving now left mid-frame). */
  get midFrame(): boolean {
    return this.#headerFilled > 0;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let offset = 0;
      while (offset < chunk.length) offset = this.#consume(chunk, offset);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (!this.midFrame) {
      callback();
      return;
    }
    callback(
      new TransportError(
        'TRANSPORT_CONNECTION_LOST',
        'the peer closed the connection in the middle of a frame',
      ),
    );
  }

  #consume(chunk: Buffer, offset: number): number {
    if (!this.#body) {
      const take = Math.min(FRAME_HEADER_BYTES - this.#headerFilled, chunk.length - offset);
      if (this.#headerFilled === 0 && take > 0) this.#onFrameBoundary?.(true);
      chunk.copy(this.#header, this.#headerFilled, offset, offset + take);
      this.#headerFilled += take;
      this.#notePeak();
      if (this.#headerFilled < FRAME_HEADER_BYTES) return offset + take;
      const length = this.#header.readUInt32BE(0);
      if (length > this.#maxFrameBytes) throw frameTooLarge(length, this.#maxFrameBytes, 'receive');
      if (length === 0)
        throw new TransportError('FRAME_MALFORMED', 'a frame has an empty body; the peer was disconnected');
      this.#body = Buffer.allocUnsafe(length);
      this.#bodyFilled = 0;
      this.#notePeak();
      return offset + take;
    }
    const take = Math.min(this.#body.length - this.#bodyFilled, chunk.length - offset);
    chunk.copy(this.#body, this.#bodyFilled, offset, offset + take);
    this.#bodyFilled += take;
    if (this.#bodyFilled === this.#body.length) {
      const body = this.#body;
      this.#body = undefined;
      this.#headerFilled = 0;
      this.#onFrameBoundary?.(false);
      this.push(decodeFrameBody(body));
    }
    return offset + take;
  }

  #notePeak(): void {
    this.#peakBufferedBytes = Math.max(this.#peakBufferedBytes, this.bufferedBytes);
  }
}
