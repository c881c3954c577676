/**
 * A Duplex over a non-blocking socket descriptor that Node's `net` cannot adopt (AF_VSOCK). The addon's libuv poll
 * watcher says when the descriptor is readable or writable; this class does the reads and writes and keeps Node's
 * stream backpressure: it watches for readability only while the readable side wants data, so a consumer that
 * stops reading leaves bytes in the kernel and the peer's writes stall.
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import {
  type NativePollWatcher,
  type NitroNativeAddon,
  POLL_DISCONNECT,
  POLL_READABLE,
  POLL_WRITABLE,
} from '../../native/index.js';

/** Largest single read; also the size of each chunk the stream pushes. */
const READ_CHUNK_BYTES = 64 * 1024;

interface PendingWrite {
  readonly data: Uint8Array;
  offset: number;
  readonly callback: (error?: Error | null) => void;
}

export interface NativeSocketStreamOptions extends Pick<DuplexOptions, 'allowHalfOpen' | 'highWaterMark'> {
  /** The descriptor's non-blocking connect is still in progress: emit `connect` (or an error) when it ends. */
  readonly connecting?: boolean;
}

function pollError(status: number): Error {
  const name = getSystemErrorName(status);
  return Object.assign(new Error(`socket poll failed: ${name}`), {
    code: name,
    errno: -status,
    syscall: 'poll',
  });
}

export class NativeSocketStream extends Duplex {
  readonly #addon: NitroNativeAddon;
  readonly #fd: number;
  readonly #watcher: NativePollWatcher;
  readonly #scratch = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  #connecting: boolean;
  #wantRead = false;
  /** Counts `_read` calls, so a `_read` made while `push` runs is not lost when that `push` returns false. */
  #readRequests = 0;
  #pendingWrite: PendingWrite | undefined;
  #watching = 0;
  #released = false;

  /** Takes ownership of `fd`: it is closed when the stream is destroyed. */
  constructor(addon: NitroNativeAddon, fd: number, options: NativeSocketStreamOptions = {}) {
    const { connecting = false, ...duplex } = options;
    super({ allowHalfOpen: false, ...duplex });
    this.#addon = addon;
    this.#fd = fd;
    this.#connecting = connecting;
    try {
      this.#watcher = addon.pollOpen(fd, (status, events) => this.#onPoll(status, events));
    } catch (error) {
      addon.socketClose(fd);
      throw error;
    }
    this.#updateWatch();
  }

  /** The descriptor (for diagnostics; do not read or close it). */
  get fd(): number {
    return this.#fd;
  }

  #updateWatch(): void {
    if (this.#released) return;
    const events = this.#connecting
      ? POLL_WRITABLE
      : (this.#wantRead ? POLL_READABLE : 0) | (this.#pendingWrite ? POLL_WRITABLE : 0);
    if (events === this.#watching) return;
    this.#watching = events;
    this.#addon.pollSet(this.#watcher, events);
  }

  #onPoll(status: number, events: number): void {
    if (this.destroyed) return;
    if (status < 0) {
      this.destroy(pollError(status));
      return;
    }
    try {
      if (this.#connecting) {
        if ((events & POLL_WRITABLE) === 0) return;
        const outcome = this.#addon.socketError(this.#fd);
        if (outcome !== 0) throw outcome;
        this.#connecting = false;
        this.#updateWatch();
        this.emit('connect');
        return;
      }
      if ((events & (POLL_READABLE | POLL_DISCONNECT)) !== 0 && this.#wantRead) this.#readAvailable();
      if ((events & POLL_WRITABLE) !== 0 && this.#pendingWrite) this.#flushWrite();
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  #readAvailable(): void {
    while (this.#wantRead && !this.destroyed) {
      const count = this.#addon.socketRead(this.#fd, this.#scratch);
      if (count < 0) break; // nothing more now; the watcher says when
      if (count === 0) {
        this.#wantRead = false;
        this.push(null);
        break;
      }
      const requests = this.#readRequests;
      // Copied: the scratch buffer is reused for the next read.
      const more = this.push(Buffer.from(this.#scratch.subarray(0, count)));
      if (!more && this.#readRequests === requests) this.#wantRead = false;
    }
    this.#updateWatch();
  }

  #flushWrite(): void {
    const pending = this.#pendingWrite;
    if (!pending) return;
    while (pending.offset < pending.data.length) {
      const count = this.#addon.socketWrite(this.#fd, pending.data.subarray(pending.offset));
      if (count < 0) {
        this.#updateWatch(); // socket buffer full: wait until writable
        return;
      }
      pending.offset += count;
    }
    this.#pendingWrite = undefined;
    this.#updateWatch();
    pending.callback();
  }

  override _read(): void {
    this.#readRequests += 1;
    if (this.#wantRead) return;
    this.#wantRead = true;
    this.#updateWatch();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#pendingWrite = { data: chunk, offset: 0, callback };
    if (this.#connecting) return; // flushed once connected and writable
    try {
      this.#flushWrite();
    } catch (error) {
      this.#pendingWrite = undefined;
      callback(error as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.#addon.socketShutdown(this.#fd);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const pending = this.#pendingWrite;
    this.#pendingWrite = undefined;
    if (!this.#released) {
      this.#released = true;
      this.#addon.pollClose(this.#watcher); // before close: libuv must not watch a closed descriptor
      this.#addon.socketClose(this.#fd);
    }
    pending?.callback(error ?? new Error('socket destroyed'));
    callback(error);
  }
}
