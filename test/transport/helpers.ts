import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A private directory for unix socket paths; `cleanup` removes it. */
export function scratchDirectory(): {
  readonly path: (name: string) => string;
  readonly cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'nitro-transport-'));
  return { path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Yields `total` bytes in `chunk`-sized pieces, generated on demand (never the whole input in memory). */
export async function* generatedBytes(
  total: number,
  chunk: number,
  counter: { produced: number } = { produced: 0 },
): AsyncGenerator<Uint8Array> {
  let seed = 0;
  while (counter.produced < total) {
    const size = Math.min(chunk, total - counter.produced);
    const piece = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i += 4096) piece[i] = seed++ & 0xff;
    counter.produced += size;
    yield piece;
  }
}

/** Waits (by event-loop turns, not time) until `condition` holds. */
export async function until(condition: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error('condition never held');
}

/** Waits until `read()` returns the same value for `turns` consecutive event-loop turns. */
export async function settled<T>(read: () => T, turns = 200): Promise<T> {
  let last = read();
  let same = 0;
  while (same < turns) {
    await nextTurn();
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}
