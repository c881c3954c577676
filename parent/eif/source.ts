import { open } from 'node:fs/promises';

/**
 * Random access to an image's bytes. Real EIFs are hundreds of megabytes, so sections are streamed in chunks
 * from a file rather than read whole; tests pass bytes.
 */
export interface EifSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; the caller keeps within `size`. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export function bytesSource(bytes: Uint8Array): EifSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
    close: async () => {},
  };
}

/** Opens a file read-only; `close` it when done. Throws node's error (ENOENT, EACCES, ...) when it cannot. */
export async function fileSource(path: string): Promise<EifSource> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const buffer = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return new Uint8Array(buffer.buffer, buffer.byteOffset, done);
    },
    close: () => handle.close(),
  };
}
