/** Arithmetic in GF(p), p = 2^255 - 19 (Curve25519's field): secrets are 255-bit integers below p. */
export const FIELD_PRIME = 2n ** 255n - 19n;

export function mod(value: bigint): bigint {
  const r = value % FIELD_PRIME;
  return r < 0n ? r + FIELD_PRIME : r;
}

export function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % FIELD_PRIME;
    b = (b * b) % FIELD_PRIME;
    e >>= 1n;
  }
  return result;
}

/** Multiplicative inverse by Fermat (p is prime); `value` must not be 0 mod p. */
export function modInverse(value: bigint): bigint {
  return modPow(value, FIELD_PRIME - 2n);
}

export interface Share {
  readonly x: bigint;
  readonly y: bigint;
}

/** Value at `at` of the unique polynomial of degree < shares.length through the shares (Lagrange). */
export function interpolateAt(shares: readonly Share[], at: bigint): bigint {
  let result = 0n;
  for (let i = 0; i < shares.length; i++) {
    const si = shares[i] as Share;
    let numerator = 1n;
    let denominator = 1n;
    for (let j = 0; j < shares.length; j++) {
      if (j === i) continue;
      const sj = shares[j] as Share;
      numerator = (numerator * mod(at - sj.x)) % FIELD_PRIME;
      denominator = (denominator * mod(si.x - sj.x)) % FIELD_PRIME;
    }
    result = mod(result + si.y * numerator * modInverse(denominator));
  }
  return result;
}
