/**
 * Request/response over one connection: many requests in flight, matched by id; a handler for the peer's
 * requests; chunked uploads whose memory stays bounded (the sender waits for the stream to drain, the receiver
 * stops reading the connection while an upload's buffer is full or too many handlers run). Bodies are opaque
 * CBOR values. Flow control is per connection: an upload whose handler does not read stalls the connection.
 */
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { NitroMpcError } from '../../../common/errors.js';
import { TransportError } from '../errors.js';
import { type FrameEnvelope, MAX_ERROR_MESSAGE_LENGTH, MAX_REQUEST_ID } from './envelope.js';
import { FrameDecoder } from './frame-decoder.js';
import { FrameWriter } from './frame-writer.js';
import { IncomingUpload } from './incoming-upload.js';
import {
  CHUNK_ENVELOPE_OVERHEAD_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_UPLOAD_CHUNK_BYTES,
  MAX_MAX_FRAME_BYTES,
  MIN_MAX_FRAME_BYTES,
} from './limits.js';

export interface IncomingRequest {
  readonly id: number;
  readonly body: unknown;
  /** The upload that follows the request, when the sender attached one. */
  readonly upload: IncomingUpload | undefined;
  /** Aborted when the connection is lost before the handler answers. */
  readonly signal: AbortSignal;
}

/** Returns the response body. A thrown `NitroMpcError` reaches the requester as its code and message. */
export type RequestHandler = (request: IncomingRequest) => unknown;

export type UploadSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface RequestOptions {
  /** Data sent after the request in chunks, read only as fast as the connection drains. */
  readonly upload?: UploadSource;
}

export interface FrameChannelOptions {
  readonly maxFrameBytes?: number;
  readonly uploadChunkBytes?: number;
  /** Upload chunks held per incoming upload before the connection stops being read (default 4). */
  readonly uploadBufferChunks?: number;
  /** Handlers running at once before the connection stops being read (default 32). */
  readonly maxIncomingRequests?: number;
  /**
   * A frame whose first byte arrived must be complete within this many ms while the connection is read (default
   * 30 s; 0: no limit). Stops a peer that holds a connection with a frame sent byte by byte (slowloris).
   */
  readonly frameTimeoutMs?: number;
  /** Closes the connection after this many ms with nothing in flight and no frame arriving (default 0: never). */
  readonly idleTimeoutMs?: number;
  /** Drops the connection when the peer reads nothing for this many ms while frames wait (default 0: never). */
  readonly drainTimeoutMs?: number;
  readonly handler?: RequestHandler;
}

export interface FrameChannelStats {
  /** Bytes the frame decoder holds now, and the most it ever held. */
  readonly frameBytesBuffered: number;
  readonly peakFrameBytesBuffered: number;
  /** The most bytes any incoming upload held unread. */
  readonly peakUploadBytesBuffered: number;
  readonly pendingRequests: number;
  readonly incomingRequests: number;
  /** The most requests from the peer held at once (bounded by `maxIncomingRequests` plus the decoder's queue). */
  readonly peakIncomingRequests: number;
  readonly waitingForDrain: boolean;
  readonly uploadBytesSent: number;
}

/** What a requester rejects with when the peer's handler refused: the peer's code is in `details.remoteCode`. */
export const HANDLER_FAILED_CODE = 'HANDLER_FAILED';
export const NO_HANDLER_CODE = 'NO_HANDLER';
/** How long a started frame may take to arrive, by default: 1 MiB at 35 KB/s; a stalled peer is dropped. */
export const DEFAULT_FRAME_TIMEOUT_MS = 30_000;

const optionsSchema = z
  .object({
    maxFrameBytes: z
      .number()
      .int()
      .min(MIN_MAX_FRAME_BYTES)
      .max(MAX_MAX_FRAME_BYTES)
      .default(DEFAULT_MAX_FRAME_BYTES),
    uploadChunkBytes: z.number().int().min(1).default(DEFAULT_UPLOAD_CHUNK_BYTES),
    uploadBufferChunks: z.number().int().min(1).max(1024).default(4),
    maxIncomingRequests: z.number().int().min(1).max(65_536).default(32),
    frameTimeoutMs: z.number().int().min(0).default(DEFAULT_FRAME_TIMEOUT_MS),
    idleTimeoutMs: z.number().int().min(0).default(0),
    drainTimeoutMs: z.number().int().min(0).default(0),
  })
  .refine((o) => o.uploadChunkBytes + CHUNK_ENVELOPE_OVERHEAD_BYTES <= o.maxFrameBytes, {
    message: 'uploadChunkBytes plus its envelope must fit in maxFrameBytes',
  });

interface PendingRequest {
  readonly resolve: (body: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface IncomingState {
  readonly upload: IncomingUpload | undefined;
  /** Made when the handler first reads `signal` (most never do: an AbortController per request showed in profiles). */
  abort: AbortController | undefined;
  /** Why the connection was lost, for a signal first read after that. */
  lost: TransportError | undefined;
  handlerDone: boolean;
  uploadDone: boolean;
}

function asTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  return new TransportError('TRANSPORT_CONNECTION_LOST', 'the connection failed', { cause: error });
}

export class FrameChannel {
  readonly #stream: Duplex;
  readonly #decoder: FrameDecoder;
  readonly #writer: FrameWriter;
  readonly #handler: RequestHandler | undefined;
  readonly #chunkBytes: number;
  readonly #uploadHighWaterMark: number;
  readonly #maxIncoming: number;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #cancelled = new Set<number>();
  readonly #incoming = new Map<number, IncomingState>();
  readonly #closed: Promise<TransportError | undefined>;
  #resolveClosed: (reason: TransportError | undefined) => void = () => undefined;
  #finished: TransportError | 'clean' | undefined;
  #closing = false;
  #nextId = 0;
  #runningHandlers = 0;
  #peakUploadBuffered = 0;
  #peakIncoming = 0;
  #uploadBytesSent = 0;
  readonly #frameTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  #frameTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #lastActivity = performance.now();
  #framesStarted = 0;
  #reading = true;

  constructor(stream: Duplex, options: FrameChannelOptions = {}) {
    const { handler, ...limits } = options;
    const parsed = optionsSchema.safeParse(limits);
    if (!parsed.success) {
      throw new TransportError(
        'TRANSPORT_OPTIONS_INVALID',
        `frame channel options are invalid: ${parsed.error.issues[0]?.message}`,
      );
    }
    this.#stream = stream;
    this.#handler = handler;
    this.#chunkBytes = parsed.data.uploadChunkBytes;
    this.#uploadHighWaterMark = parsed.data.uploadChunkBytes * parsed.data.uploadBufferChunks;
    this.#maxIncoming = parsed.data.maxIncomingRequests;
    this.#frameTimeoutMs = parsed.data.frameTimeoutMs;
    this.#idleTimeoutMs = parsed.data.idleTimeoutMs;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#decoder = new FrameDecoder(parsed.data.maxFrameBytes, (midFrame) =>
      this.#onFrameBoundary(midFrame),
    );
    this.#writer = new FrameWriter(stream, parsed.data.maxFrameBytes, parsed.data.drainTimeoutMs, () => {
      this.#lastActivity = performance.now();
    });
    this.#decoder.on('data', (envelope: FrameEnvelope) => this.#onEnvelope(envelope));
    this.#decoder.on('error', (error) => this.#fail(asTransportError(error)));
    stream.on('error', (error) => this.#fail(asTransportError(error)));
    stream.on('close', () => this.#onStreamClosed());
    stream.pipe(this.#decoder);
    if (this.#idleTimeoutMs > 0) this.#armIdleTimer(this.#idleTimeoutMs);
  }

  /** Settles when the channel is finished: `undefined` after a clean close, else the error that ended it. */
  get closed(): Promise<TransportError | undefined> {
    return this.#closed;
  }

  get stats(): FrameChannelStats {
    return {
      frameBytesBuffered: this.#decoder.bufferedBytes,
      peakFrameBytesBuffered: this.#decoder.peakBufferedBytes,
      peakUploadBytesBuffered: this.#peakUploadBuffered,
      pendingRequests: this.#pending.size,
      incomingRequests: this.#incoming.size,
      peakIncomingRequests: this.#peakIncoming,
      waitingForDrain: this.#writer.waitingForDrain,
      uploadBytesSent: this.#uploadBytesSent,
    };
  }

  /** Sends a request (and its upload) and resolves with the peer's response body. */
  request(body: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (this.#finished !== undefined || this.#closing) {
      const reason = this.#finished instanceof TransportError ? this.#finished : undefined;
      return Promise.reject(
        reason ??
          new TransportError(
            'TRANSPORT_CLOSED',
            'the channel is closed; open a new connection to send requests',
          ),
      );
    }
    const id = this.#allocateId();
    const response = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    const { upload } = options;
    void this.#writer
      .write({ type: 'request', id, body, hasUpload: upload !== undefined })
      .then(() => (upload === undefined ? undefined : this.#sendUpload(id, upload)))
      .catch((error: unknown) => this.#settle(id, undefined, asTransportError(error)));
    return response;
  }

  /** Stops new requests, waits for the exchanges in flight, then ends the connection. */
  async close(): Promise<void> {
    if (this.#finished === undefined && !this.#closing) {
      this.#closing = true;
      while (this.#pending.size > 0 || this.#incoming.size > 0) {
        const settled = await Promise.race([
          this.#closed.then(() => true),
          this.#nextSettlement().then(() => false),
        ]);
        if (settled) break;
      }
      if (this.#finished === undefined) this.#stream.end();
    }
    await this.#closed;
  }

  /** Drops the connection now; requests in flight reject with TRANSPORT_CLOSED. */
  destroy(): void {
    this.#fail(new TransportError('TRANSPORT_CLOSED', 'the channel was closed locally'));
  }

  #settlementWaiters: Array<() => void> = [];
  #nextSettlement(): Promise<void> {
    return new Promise((resolve) => this.#settlementWaiters.push(resolve));
  }
  #noteSettlement(): void {
    const waiters = this.#settlementWaiters;
    this.#settlementWaiters = [];
    for (const wake of waiters) wake();
  }

  #allocateId(): number {
    do {
      this.#nextId = this.#nextId >= MAX_REQUEST_ID ? 0 : this.#nextId + 1;
    } while (this.#pending.has(this.#nextId) || this.#cancelled.has(this.#nextId));
    return this.#nextId;
  }

  #settle(id: number, body: unknown, error?: Error): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (error) pending.reject(error);
    else pending.resolve(body);
    this.#noteSettlement();
  }

  async #sendUpload(id: number, source: UploadSource): Promise<void> {
    const hash = createHash('sha256');
    let seq = 0;
    let bytes = 0;
    try {
      for await (const piece of source) {
        if (!(piece instanceof Uint8Array))
          throw new TypeError('an upload source must yield Uint8Array chunks');
        for (let offset = 0; offset < piece.length; offset += this.#chunkBytes) {
          // The peer answered before the upload ended: it does not want the rest.
          if (!this.#pending.has(id)) return this.#cancelUpload(id);
          const data = piece.subarray(offset, offset + this.#chunkBytes);
          hash.update(data);
          await this.#writer.write({ type: 'chunk', id, seq, data });
          seq += 1;
          bytes += data.length;
          this.#uploadBytesSent += data.length;
        }
      }
    } catch (cause) {
      if (cause instanceof TransportError && cause.code === 'TRANSPORT_CONNECTION_LOST') throw cause;
      await this.#cancelUpload(id);
      this.#settle(
        id,
        undefined,
        new TransportError('UPLOAD_ABORTED', 'the upload source failed; the request was cancelled', {
          cause,
        }),
      );
      return;
    }
    if (!this.#pending.has(id)) return this.#cancelUpload(id);
    await this.#writer.write({ type: 'end', id, chunks: seq, bytes, sha256: hash.digest() });
  }

  async #cancelUpload(id: number): Promise<void> {
    if (this.#pending.has(id)) this.#cancelled.add(id); // its response, if any, is ignored
    await this.#writer.write({ type: 'cancel', id }).catch(() => undefined);
  }

  #onEnvelope(envelope: FrameEnvelope): void {
    if (this.#finished !== undefined) return;
    try {
      switch (envelope.type) {
        case 'response':
        case 'error':
          this.#onAnswer(envelope);
          break;
        case 'request':
          this.#onRequest(envelope.id, envelope.body, envelope.hasUpload);
          break;
        case 'chunk':
        case 'end':
        case 'cancel':
          this.#onUploadFrame(envelope);
          break;
      }
    } catch (error) {
      this.#fail(asTransportError(error));
    }
  }

  #onAnswer(envelope: Extract<FrameEnvelope, { type: 'response' | 'error' }>): void {
    if (!this.#pending.has(envelope.id)) {
      if (this.#cancelled.delete(envelope.id)) return;
      throw new TransportError(
        'FRAME_UNEXPECTED',
        `the peer answered request ${envelope.id}, which is not in flight`,
      );
    }
    this.#cancelled.delete(envelope.id);
    if (envelope.type === 'response') {
      this.#settle(envelope.id, envelope.body);
      return;
    }
    this.#settle(
      envelope.id,
      undefined,
      new TransportError(
        'TRANSPORT_REMOTE_ERROR',
        `the peer refused the request: ${envelope.code}: ${envelope.message}`,
        {
          details: { remoteCode: envelope.code },
        },
      ),
    );
  }

  #onRequest(id: number, body: unknown, hasUpload: boolean): void {
    if (this.#incoming.has(id))
      throw new TransportError('FRAME_UNEXPECTED', `the peer reused request id ${id} while it was in flight`);
    const upload = hasUpload
      ? new IncomingUpload(this.#uploadHighWaterMark, () => this.#updateFlow())
      : undefined;
    const state: IncomingState = {
      upload,
      abort: undefined,
      lost: undefined,
      handlerDone: false,
      uploadDone: !hasUpload,
    };
    this.#incoming.set(id, state);
    this.#peakIncoming = Math.max(this.#peakIncoming, this.#incoming.size);
    this.#runningHandlers += 1;
    this.#updateFlow();
    const handler = this.#handler;
    void Promise.resolve()
      .then(() => {
        if (!handler) throw new TransportError('TRANSPORT_CLOSED', 'this side serves no requests');
        return handler({
          id,
          body,
          upload,
          get signal(): AbortSignal {
            if (!state.abort) {
              state.abort = new AbortController();
              if (state.lost) state.abort.abort(state.lost);
            }
            return state.abort.signal;
          },
        });
      })
      .then(
        (response) => this.#writer.write({ type: 'response', id, body: response }),
        (error: unknown) => this.#writer.write(this.#errorFrame(id, error, handler !== undefined)),
      )
      .catch(() => undefined) // the connection is gone; #fail reports it
      .finally(() => {
        this.#runningHandlers -= 1;
        state.handlerDone = true;
        // An upload the handler left unread is drained and dropped until its end or cancel frame.
        if (upload && !state.uploadDone && !upload.destroyed) upload.destroy();
        this.#retireIncoming(id, state);
        this.#updateFlow();
      });
  }

  #errorFrame(id: number, error: unknown, handled: boolean): FrameEnvelope {
    if (!handled)
      return { type: 'error', id, code: NO_HANDLER_CODE, message: 'this side serves no requests' };
    // Only a deliberate NitroMpcError crosses the wire; anything else could carry secrets in its message.
    if (error instanceof NitroMpcError && /^[A-Z0-9_]{1,64}$/.test(error.code)) {
      return {
        type: 'error',
        id,
        code: error.code,
        message: error.message.slice(0, MAX_ERROR_MESSAGE_LENGTH),
      };
    }
    return { type: 'error', id, code: HANDLER_FAILED_CODE, message: 'the request handler failed' };
  }

  #onUploadFrame(envelope: Extract<FrameEnvelope, { type: 'chunk' | 'end' | 'cancel' }>): void {
    const state = this.#incoming.get(envelope.id);
    const upload = state?.upload;
    if (!state || !upload || state.uploadDone) {
      throw new TransportError(
        'FRAME_UNEXPECTED',
        `the peer sent upload data for request ${envelope.id}, which has no open upload`,
      );
    }
    if (envelope.type === 'chunk') {
      if (upload.destroyed) return; // abandoned by its handler: drop
      upload.accept(envelope.seq, envelope.data);
      this.#peakUploadBuffered = Math.max(this.#peakUploadBuffered, upload.readableLength);
    } else {
      state.uploadDone = true;
      if (!upload.destroyed) {
        if (envelope.type === 'end') upload.finish(envelope.chunks, envelope.bytes, envelope.sha256);
        else upload.destroy(new TransportError('UPLOAD_ABORTED', 'the sender cancelled the upload'));
      }
      this.#retireIncoming(envelope.id, state);
    }
    this.#updateFlow();
  }

  #retireIncoming(id: number, state: IncomingState): void {
    if (state.handlerDone && state.uploadDone && this.#incoming.get(id) === state) {
      this.#incoming.delete(id);
      this.#noteSettlement();
    }
  }

  /** Reads the connection only while handlers and upload buffers have room. */
  #updateFlow(): void {
    if (this.#finished !== undefined) return;
    let blocked = this.#runningHandlers >= this.#maxIncoming;
    for (const state of this.#incoming.values()) {
      const upload = state.upload;
      if (blocked) break;
      blocked = upload !== undefined && !state.uploadDone && !upload.destroyed && !upload.wantsData;
    }
    if (blocked) this.#decoder.pause();
    else this.#decoder.resume();
    // A frame held up by our own backpressure is not the peer's delay: its clock stops while we do not read.
    if (blocked === !this.#reading) return;
    this.#reading = !blocked;
    if (blocked) this.#clearFrameTimer();
    else if (this.#decoder.midFrame) this.#armFrameTimer();
  }

  #onFrameBoundary(midFrame: boolean): void {
    this.#lastActivity = performance.now();
    if (midFrame) this.#framesStarted += 1;
    if (!midFrame) this.#clearFrameTimer();
    else if (this.#reading) this.#armFrameTimer();
  }

  #armFrameTimer(): void {
    if (this.#frameTimeoutMs === 0 || this.#finished !== undefined) return;
    this.#clearFrameTimer();
    const ms = this.#frameTimeoutMs;
    const frame = this.#framesStarted;
    // Timers run before the loop reads sockets: after a busy spell, the frame's bytes may be waiting unread. The
    // check runs after one round of reads (setImmediate), and only if that frame is still the one in progress.
    this.#frameTimer = setTimeout(() => setImmediate(() => this.#checkFrame(frame, ms)), ms);
    this.#frameTimer.unref();
  }

  #checkFrame(frame: number, ms: number): void {
    if (this.#finished !== undefined || frame !== this.#framesStarted || !this.#decoder.midFrame) return;
    // Not the peer's delay if this side stopped taking bytes (its own flow control, or the pipe's) meanwhile.
    if (this.#heldBack()) {
      this.#armFrameTimer();
      return;
    }
    this.#fail(
      new TransportError(
        'FRAME_TIMEOUT',
        `a frame started and did not finish within ${ms} ms; the peer was disconnected`,
        { details: { frameTimeoutMs: ms, bytesBuffered: this.#decoder.bufferedBytes } },
      ),
    );
  }

  #heldBack(): boolean {
    return (
      this.#decoder.isPaused() ||
      this.#stream.isPaused() ||
      this.#runningHandlers >= this.#maxIncoming ||
      this.#writer.waitingForDrain
    );
  }

  #clearFrameTimer(): void {
    clearTimeout(this.#frameTimer);
    this.#frameTimer = undefined;
  }

  /** One timer per connection, re-armed when it fires early rather than on every frame. */
  #armIdleTimer(ms: number): void {
    this.#idleTimer = setTimeout(() => this.#checkIdle(), ms);
    this.#idleTimer.unref();
  }

  #checkIdle(): void {
    if (this.#finished !== undefined) return;
    const busy = this.#pending.size > 0 || this.#incoming.size > 0 || this.#decoder.midFrame;
    const idleFor = performance.now() - this.#lastActivity;
    if (busy || idleFor < this.#idleTimeoutMs) {
      this.#armIdleTimer(busy ? this.#idleTimeoutMs : this.#idleTimeoutMs - idleFor);
      return;
    }
    this.#fail(
      new TransportError(
        'TRANSPORT_IDLE_TIMEOUT',
        `nothing was exchanged for ${this.#idleTimeoutMs} ms; the connection was closed`,
        { details: { idleTimeoutMs: this.#idleTimeoutMs } },
      ),
    );
  }

  #onStreamClosed(): void {
    if (this.#finished !== undefined) return;
    if (this.#pending.size === 0 && this.#incoming.size === 0 && !this.#decoder.midFrame) {
      this.#finish('clean');
      return;
    }
    this.#fail(
      new TransportError('TRANSPORT_CONNECTION_LOST', 'the connection closed with exchanges in flight', {
        details: { pendingRequests: this.#pending.size, incomingRequests: this.#incoming.size },
      }),
    );
  }

  #fail(error: TransportError): void {
    if (this.#finished !== undefined) return;
    this.#finish(error);
  }

  #finish(outcome: TransportError | 'clean'): void {
    this.#finished = outcome;
    this.#clearFrameTimer();
    clearTimeout(this.#idleTimer);
    const error =
      outcome === 'clean' ? new TransportError('TRANSPORT_CLOSED', 'the channel is closed') : outcome;
    for (const id of [...this.#pending.keys()]) this.#settle(id, undefined, error);
    for (const state of this.#incoming.values()) {
      state.lost = error;
      state.abort?.abort(error);
      if (state.upload && !state.upload.destroyed) state.upload.destroy(error);
    }
    this.#incoming.clear();
    this.#cancelled.clear();
    this.#stream.unpipe(this.#decoder);
    this.#decoder.destroy();
    this.#stream.destroy();
    this.#noteSettlement();
    this.#resolveClosed(outcome === 'clean' ? undefined : outcome);
  }
}
