import { createHash } from 'node:crypto';
import { z } from 'zod';
import { encodeDeterministicCbor, type MeasuredItem } from './deterministic-cbor.js';
import type { MpcFunctionSpec } from './types.js';

/** Names the measurement's definition: a change to what is hashed gets a new scheme. */
export const MEASUREMENT_SCHEME = 'nitro-mpc/function-measurement/v1';

/** JSON with object keys sorted, so that the text depends only on the value. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The schema's accepted shape and limits (max items, lengths); custom checks are covered by their helpers' text. */
function schemaText(schema: z.ZodType): string {
  return canonicalJson(z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }));
}

/**
 * SHA-256 over deterministic CBOR of: scheme, id, version, party limits, the JSON Schemas of parameters, input and
 * output, each view's name and `select` source, `evaluate`'s source, then each helper's source in declared order.
 * Source is `Function.prototype.toString()` of the code as loaded, i.e. the text the bundler emitted: the value is
 * reproducible for the same sources and the same pinned esbuild and options, and it changes whenever the code that
 * runs changes. It is therefore a property of one build (tsx, vitest and a minified bundle each give other values);
 * the manifest pins the value the enclave image reports.
 */
export function measureFunction(
  spec: MpcFunctionSpec<z.ZodType, z.ZodType, z.ZodType> & {
    readonly helpers: readonly { toString(): string }[];
  },
): string {
  const views = Object.entries(spec.views ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, view]): MeasuredItem => [name, view.select.toString()]);
  const measured: MeasuredItem = [
    MEASUREMENT_SCHEME,
    spec.id,
    spec.version,
    [String(spec.parties.min), String(spec.parties.max)],
    [schemaText(spec.parameters), schemaText(spec.input), schemaText(spec.output)],
    views,
    spec.evaluate.toString(),
    spec.helpers.map((helper) => helper.toString()),
  ];
  return createHash('sha256').update(encodeDeterministicCbor(measured)).digest('hex');
}
