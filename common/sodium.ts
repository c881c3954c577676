/**
 * libsodium (through the sodium-native addon) for the two curve operations every input costs, where it loads:
 * on this project's hosts its Ed25519 verification takes about a third of OpenSSL 3.0's time and its X25519 about
 * two thirds. Where it does not load (a platform without a prebuilt addon), callers use node:crypto, which accepts
 * every signature libsodium accepts (libsodium also refuses small-order and non-canonical keys and `R`s).
 *
 * The enclave bundle carries the addon beside itself (`sodium-native.node`, see scripts/bundle.mjs); elsewhere it
 * is the `sodium-native` package. `NITRO_MPC_SODIUM=off` turns it off (to compare, or to rule it out).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The libsodium functions used here, as sodium-native 4 exports them. */
export interface Sodium {
  /** True when `signature` (64 bytes) is `publicKey`'s (32 bytes) over `message`. */
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** X25519: `shared = scalar · point`. Throws when the result is all zeros (a small-order point). */
  crypto_scalarmult(shared: Uint8Array, scalar: Uint8Array, point: Uint8Array): void;
  /** X25519: `publicKey = scalar · basepoint`. */
  crypto_scalarmult_base(publicKey: Uint8Array, scalar: Uint8Array): void;
}

/** Where the enclave bundle keeps the addon: beside the loading file. */
export const SODIUM_ADDON_FILE = 'sodium-native.node';

function isSodium(value: unknown): value is Sodium {
  const candidate = value as Partial<Record<keyof Sodium, unknown>> | null;
  return (
    typeof candidate?.crypto_sign_verify_detached === 'function' &&
    typeof candidate.crypto_scalarmult === 'function' &&
    typeof candidate.crypto_scalarmult_base === 'function'
  );
}

function load(): Sodium | undefined {
  if (process.env['NITRO_MPC_SODIUM'] === 'off') return undefined;
  const require = createRequire(import.meta.url);
  const beside = join(dirname(fileURLToPath(import.meta.url)), SODIUM_ADDON_FILE);
  for (const specifier of existsSync(beside) ? [beside, 'sodium-native'] : ['sodium-native']) {
    try {
      const loaded: unknown = require(specifier);
      if (isSodium(loaded)) return loaded;
    } catch {
      // Not installed or not built for this platform: the next candidate, then node:crypto.
    }
  }
  return undefined;
}

let loaded: { readonly sodium: Sodium | undefined } | undefined;

/** libsodium, loaded once per thread; `undefined` where it is unavailable or turned off. */
export function sodium(): Sodium | undefined {
  loaded ??= { sodium: load() };
  return loaded.sodium;
}

/** Which implementation the curve operations use in this process, for a start-up line. */
export function curveBackend(): 'libsodium' | 'node:crypto' {
  return sodium() ? 'libsodium' : 'node:crypto';
}
