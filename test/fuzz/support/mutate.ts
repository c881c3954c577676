/**
 * Inputs for fuzz targets as fast-check arbitraries: real encodings mutated the ways hostile or damaged bytes
 * differ from good ones (bit flips, bytes set to boundary values, truncation, insertion, deletion, splices of two
 * encodings, repeated ranges, length fields blown up), deeply nested CBOR, and arbitrary bytes.
 */
import fc from 'fast-check';

type Mutation = (seed: Uint8Array, other: Uint8Array) => Uint8Array;

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A position in `bytes` picked by a fraction, so one generated mutation applies to seeds of any length. */
const at = (bytes: Uint8Array, fraction: number): number => Math.floor(fraction * bytes.length);

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const boundary = fc.constantFrom(0x00, 0x01, 0x17, 0x18, 0x1f, 0x7f, 0x80, 0x9f, 0xbf, 0xff);

const bitFlips: fc.Arbitrary<Mutation> = fc
  .array(fc.tuple(fraction, fc.nat({ max: 7 })), { minLength: 1, maxLength: 8 })
  .map((flips) => (seed) => {
    const out = new Uint8Array(seed);
    for (const [where, bit] of flips) {
      const i = at(out, where);
      if (i < out.length) out[i] = (out[i] as number) ^ (1 << bit);
    }
    return out;
  });

const byteSets: fc.Arbitrary<Mutation> = fc
  .array(fc.tuple(fraction, fc.oneof(boundary, fc.integer({ min: 0, max: 255 }))), {
    minLength: 1,
    maxLength: 4,
  })
  .map((sets) => (seed) => {
    const out = new Uint8Array(seed);
    for (const [where, value] of sets) if (out.length > 0) out[at(out, where)] = value;
    return out;
  });

const truncation: fc.Arbitrary<Mutation> = fraction.map(
  (where) => (seed) => seed.subarray(0, at(seed, where)),
);

const insertion: fc.Arbitrary<Mutation> = fc
  .tuple(fraction, fc.uint8Array({ minLength: 1, maxLength: 16 }))
  .map(
    ([where, bytes]) =>
      (seed) =>
        concat(seed.subarray(0, at(seed, where)), bytes, seed.subarray(at(seed, where))),
  );

const deletion: fc.Arbitrary<Mutation> = fc.tuple(fraction, fc.integer({ min: 1, max: 64 })).map(
  ([where, count]) =>
    (seed) =>
      concat(seed.subarray(0, at(seed, where)), seed.subarray(at(seed, where) + count)),
);

/** The head of one encoding joined to the tail of another (or of itself): misplaced but well-formed pieces. */
const splice: fc.Arbitrary<Mutation> = fc.tuple(fraction, fraction).map(
  ([a, b]) =>
    (seed, other) =>
      concat(seed.subarray(0, at(seed, a)), other.subarray(at(other, b))),
);

const repetition: fc.Arbitrary<Mutation> = fc
  .tuple(fraction, fc.integer({ min: 1, max: 32 }), fc.integer({ min: 2, max: 64 }))
  .map(([where, length, times]) => (seed) => {
    const start = at(seed, where);
    const piece = seed.subarray(start, start + length);
    return concat(
      seed.subarray(0, start),
      ...Array.from({ length: times }, () => piece),
      seed.subarray(start),
    );
  });

/** 1, 2, 4 or 8 bytes at one position set to a huge big-endian number: CBOR heads, BER lengths, EIF sizes. */
const lengthBlowUp: fc.Arbitrary<Mutation> = fc
  .tuple(fraction, fc.constantFrom(1, 2, 4, 8), fc.constantFrom(0xff, 0x7f, 0x80))
  .map(([where, width, top]) => (seed) => {
    const out = new Uint8Array(seed);
    const start = at(out, where);
    for (let i = 0; i < width && start + i < out.length; i++) out[start + i] = i === 0 ? top : 0xff;
    return out;
  });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  bitFlips,
  byteSets,
  truncation,
  insertion,
  deletion,
  splice,
  repetition,
  lengthBlowUp,
);

/** One to three mutations of a seed (spliced with another seed when a splice is drawn). */
export function mutatedFrom(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new Error('mutatedFrom needs at least one seed');
  const seed = fc.constantFrom(...seeds);
  return fc
    .tuple(seed, seed, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([first, other, steps]) => steps.reduce((bytes, step) => step(bytes, other), first));
}

/**
 * CBOR nested `depth` deep (arrays, maps, tags, indefinite arrays), with an optional payload at the bottom:
 * what a peer sends to exhaust a recursive decoder's stack.
 */
export const deeplyNestedCbor: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.integer({ min: 1, max: 5000 }),
    fc.constantFrom(
      Uint8Array.of(0x81),
      Uint8Array.of(0xa1, 0x00),
      Uint8Array.of(0xd8, 0x12),
      Uint8Array.of(0x9f),
    ),
  )
  .map(([depth, opener]) => {
    const out = new Uint8Array(depth * opener.length + 1);
    for (let i = 0; i < depth; i++) out.set(opener, i * opener.length);
    out[out.length - 1] = 0x00;
    return out;
  });

/** Everything a target is run on: mostly mutated seeds, some seeds as they are, nesting bombs, random bytes. */
export function fuzzInput(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 12, arbitrary: mutatedFrom(seeds) },
    { weight: 1, arbitrary: fc.constantFrom(...seeds) },
    { weight: 1, arbitrary: deeplyNestedCbor },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 1024 }) },
  );
}
