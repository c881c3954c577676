/** Records, directories and readers shared by the store tests. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SealedRecord, SealedStore } from '../../protocol/store/index.js';

export function sessionId(name: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(name).digest());
}

/** A record whose bytes say which session and counter it is (so a test can check each one came back whole). */
export function record(session: string, counter: number, bytes = 64): SealedRecord {
  const sealed = new Uint8Array(bytes);
  const stamp = createHash('sha256').update(`${session}/${counter}`).digest();
  for (let i = 0; i < bytes; i++) sealed[i] = stamp[i % 32] as number;
  return { sessionId: sessionId(session), counter, sealed };
}

export function recordKey(r: SealedRecord): string {
  return `${Buffer.from(r.sessionId).toString('hex').slice(0, 8)}/${r.counter}/${createHash('sha256').update(r.sealed).digest('hex').slice(0, 12)}`;
}

export async function collect(store: SealedStore): Promise<SealedRecord[]> {
  const out: SealedRecord[] = [];
  for await (const r of store.records()) out.push(r);
  return out;
}

export function scratch(prefix = 'nitro-store-'): {
  dir: string;
  path: (name: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}
