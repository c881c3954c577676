import { type Cert, certToDer, type ParsedCertificate, parseCertificate, sha256Hex } from './certificate.js';

export interface CertificateCacheOptions {
  /** Most parsed certificates kept, and most verified issuer→subject signatures kept (each). */
  readonly maxEntries?: number;
}

/**
 * A bounded LRU of parsed certificates (keyed by the SHA-256 of their DER) and of signatures already verified
 * (keyed by the pair of fingerprints). Both are pure facts about bytes, so a hit can never let another root in
 * or skip a validity check: path building and time checks run in full on every call; only the parsing and the
 * signature arithmetic are remembered.
 */
export class CertificateCache {
  readonly maxEntries: number;
  private readonly parsed = new Map<string, ParsedCertificate>();
  private readonly verified = new Map<string, true>();

  constructor(options: CertificateCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1024;
  }

  /** Parses `cert`, or returns the earlier parse of the same bytes. */
  parse(cert: Cert): ParsedCertificate {
    const der = certToDer(cert);
    const key = sha256Hex(der);
    const hit = this.parsed.get(key);
    if (hit) {
      touch(this.parsed, key, hit);
      return hit;
    }
    const parsed = parseCertificate(der, key);
    remember(this.parsed, key, parsed, this.maxEntries);
    return parsed;
  }

  /** Whether `issuer`'s key was already found to verify `subject`'s signature. */
  hasVerifiedSignature(subject: ParsedCertificate, issuer: ParsedCertificate): boolean {
    const key = `${subject.fingerprint}<${issuer.fingerprint}`;
    if (!this.verified.has(key)) return false;
    touch(this.verified, key, true);
    return true;
  }

  rememberVerifiedSignature(subject: ParsedCertificate, issuer: ParsedCertificate): void {
    remember(this.verified, `${subject.fingerprint}<${issuer.fingerprint}`, true, this.maxEntries);
  }

  get size(): { parsed: number; verified: number } {
    return { parsed: this.parsed.size, verified: this.verified.size };
  }

  clear(): void {
    this.parsed.clear();
    this.verified.clear();
  }
}

function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  if (max <= 0) return;
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

/** The cache every verification shares unless the caller passes its own, or `false` for none. */
export const defaultCertificateCache = new CertificateCache();
