/**
 * Decoded CBOR comes back with `Map`s (text and integer keys alike) and 8-byte integers as bigints. Schemas read
 * plain objects and numbers, so maps with text keys become objects and safe bigints become numbers. Maps with
 * other keys stay `Map`s (opaque function parameters may hold them).
 */

import { newRecord } from '../../common/records.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function cborToPlain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (Array.isArray(value)) return value.map(cborToPlain);
  if (value instanceof Map) {
    for (const k of value.keys()) {
      if (typeof k !== 'string') return new Map([...value].map(([k, v]) => [cborToPlain(k), cborToPlain(v)]));
    }
    // Nothing inherited (see common/records.ts): a key such as `__proto__` cannot reach Object.prototype; the
    // names are refused anyway.
    const out = newRecord();
    for (const [k, v] of value as Map<string, unknown>) {
      if (FORBIDDEN_KEYS.has(k)) throw new TypeError(`map key "${k}" is not allowed`);
      out[k] = cborToPlain(v);
    }
    return out;
  }
  return value;
}
