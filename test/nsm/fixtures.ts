/** Shared by the simulator tests: throw-away state directories and a plain look inside COSE_Sign1 documents. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { decodeStrictCbor } from '../../common/cbor/index.js';
import { NitroMpcError } from '../../common/errors.js';

/** Returns a function that makes a new empty directory; all are removed after the file's tests. */
export function stateDirs(): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-nsm-'));
    made.push(dir);
    return dir;
  };
}

export interface DocumentParts {
  readonly protectedHeader: Uint8Array;
  readonly unprotectedHeader: unknown;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  /** The payload map, keys in document order. */
  readonly fields: ReadonlyMap<string, unknown>;
}

/** The four COSE_Sign1 members and the decoded payload map, with no verification. */
export function documentParts(document: Uint8Array): DocumentParts {
  const envelope = decodeStrictCbor(document);
  if (!Array.isArray(envelope) || envelope.length !== 4) throw new Error('not a COSE_Sign1 array');
  const [protectedHeader, unprotectedHeader, payload, signature] = envelope as [
    Uint8Array,
    unknown,
    Uint8Array,
    Uint8Array,
  ];
  return {
    protectedHeader,
    unprotectedHeader,
    payload,
    signature,
    fields: decodeStrictCbor(payload) as ReadonlyMap<string, unknown>,
  };
}

/** The error a promise rejects with, checked to be a NitroMpcError with `code`. */
export async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NitroMpcError);
  return (error as NitroMpcError).code;
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
