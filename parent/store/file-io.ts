/**
 * The few file operations whose failure the store must survive (write, sync, truncate), behind one seam so tests
 * can fail them exactly where a disk would; and a windowed reader that reads a file in bounded pieces.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';

export interface StoreFileOps {
  /** Writes every byte of `buffers` at `position` (looping over short writes), or throws the system error. */
  writev(handle: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void>;
  /** Makes the file's data and size durable (fdatasync). */
  sync(handle: FileHandle): Promise<void>;
  truncate(handle: FileHandle, length: number): Promise<void>;
}

/** Buffers per writev call: well under IOV_MAX (1024 on Linux). */
const IOVECS_PER_CALL = 512;

export const nodeFileOps: StoreFileOps = {
  async writev(handle, buffers, position) {
    let pending = buffers.filter((b) => b.length > 0);
    let at = position;
    while (pending.length > 0) {
      const slice = pending.slice(0, IOVECS_PER_CALL);
      const { bytesWritten } = await handle.writev(slice as Uint8Array[], at);
      at += bytesWritten;
      // A short write (e.g. the disk filled up): drop what was written and go on; the next call reports why.
      let left = bytesWritten;
      while (left > 0 && pending.length > 0) {
        const first = pending[0] as Uint8Array;
        if (first.length <= left) {
          left -= first.length;
          pending = pending.slice(1);
        } else {
          pending = [first.subarray(left), ...pending.slice(1)];
          left = 0;
        }
      }
    }
  },
  sync: (handle) => handle.datasync(),
  truncate: (handle, length) => handle.truncate(length),
};

/** fsync on a directory: makes a file created, renamed or deleted in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function systemCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Out of space or quota: the one write failure the store recovers from by itself. */
export function isNoSpace(error: unknown): boolean {
  const code = systemCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Reads `[position, end)` of a file through one window of `windowBytes`. Returned buffers are views of the
 * window, valid until the next call: callers copy what they keep.
 */
export class WindowedReader {
  readonly #handle: FileHandle;
  readonly #end: number;
  readonly #window: Buffer;
  #windowStart = 0;
  #windowLength = 0;
  #position: number;

  constructor(handle: FileHandle, position: number, end: number, windowBytes = 1024 * 1024) {
    this.#handle = handle;
    this.#position = position;
    this.#end = end;
    this.#window = Buffer.allocUnsafe(windowBytes);
  }

  get position(): number {
    return this.#position;
  }

  get end(): number {
    return this.#end;
  }

  get remaining(): number {
    return this.#end - this.#position;
  }

  get windowBytes(): number {
    return this.#window.length;
  }

  /** Moves to `position` (inside the readable range). */
  seek(position: number): void {
    this.#position = position;
  }

  skip(bytes: number): void {
    this.#position += bytes;
  }

  /** The next `bytes` bytes (at most the window size), or undefined when fewer remain. */
  async exact(bytes: number): Promise<Buffer | undefined> {
    if (bytes > this.remaining) return undefined;
    const view = await this.#view(bytes);
    this.#position += bytes;
    return view;
  }

  /** Up to `bytes` bytes (at most the window size): fewer only at the end. */
  async upTo(bytes: number): Promise<Buffer> {
    const take = Math.min(bytes, this.remaining, this.#window.length);
    const view = await this.#view(take);
    this.#position += take;
    return view;
  }

  /** The next `bytes` bytes in window-sized pieces. */
  async *pieces(bytes: number): AsyncGenerator<Buffer> {
    let left = bytes;
    while (left > 0) {
      const piece = await this.upTo(left);
      if (piece.length === 0) throw new Error('the file ended early');
      left -= piece.length;
      yield piece;
    }
  }

  async #view(bytes: number): Promise<Buffer> {
    const from = this.#position - this.#windowStart;
    if (from >= 0 && from + bytes <= this.#windowLength) return this.#window.subarray(from, from + bytes);
    const want = Math.min(this.#window.length, this.#end - this.#position);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await this.#handle.read(
        this.#window,
        filled,
        want - filled,
        this.#position + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.#windowStart = this.#position;
    this.#windowLength = filled;
    if (filled < bytes) throw new Error('the file is shorter than expected');
    return this.#window.subarray(0, bytes);
  }
}

/** Writes a stream of pieces at increasing positions through one buffer, so small pieces cost one syscall together. */
export class CoalescingWriter {
  readonly #handle: FileHandle;
  readonly #ops: StoreFileOps;
  readonly #buffer: Buffer;
  #filled = 0;
  #position: number;

  constructor(handle: FileHandle, ops: StoreFileOps, position: number, bufferBytes = 1024 * 1024) {
    this.#handle = handle;
    this.#ops = ops;
    this.#position = position;
    this.#buffer = Buffer.allocUnsafe(bufferBytes);
  }

  get bufferBytes(): number {
    return this.#buffer.length;
  }

  /** Where the next byte goes, counting what is still buffered. */
  get position(): number {
    return this.#position + this.#filled;
  }

  async write(piece: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < piece.length) {
      const take = Math.min(this.#buffer.length - this.#filled, piece.length - offset);
      this.#buffer.set(piece.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#buffer.length) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.#filled === 0) return;
    await this.#ops.writev(this.#handle, [this.#buffer.subarray(0, this.#filled)], this.#position);
    this.#position += this.#filled;
    this.#filled = 0;
  }
}

export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: unknown) => {
      if (systemCode(error) === 'ENOENT') return false;
      throw error;
    },
  );
}
