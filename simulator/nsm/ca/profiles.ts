/**
 * What each certificate of the simulated hierarchy looks like, copied from the shape of real Nitro documents'
 * chains (subjects' attribute order and string types, extensions and their order and criticality, serial number
 * sizes, lifetimes). The names end in `sim.nitro-enclaves` where AWS's end in `aws.nitro-enclaves`, and each
 * simulation's root has its own label.
 */

import type { webcrypto } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { provider, x509 } from './x509.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const CA_LEVELS = ['root', 'regional', 'zonal', 'instance'] as const;
export type CaLevel = (typeof CA_LEVELS)[number];

/** Lifetimes observed on real chains (root 30 years and an hour, regional 20 days and an hour, ...). */
export const LIFETIME_MS: Readonly<Record<Exclude<CaLevel, 'root'>, number> & { leaf: number }> = {
  regional: 20 * DAY + HOUR,
  zonal: 5 * DAY + 19 * HOUR,
  instance: DAY,
  leaf: 3 * HOUR,
};
export const ROOT_LIFETIME_YEARS = 30;
/** Real leaves start three seconds before the instant in their serial number. */
export const LEAF_BACKDATE_MS = 3_000;
/** CA certificates start a minute early so that a verifier whose clock lags a little still accepts them. */
export const CA_BACKDATE_MS = 60_000;

export const SIM_DOMAIN = 'sim.nitro-enclaves';

type Attribute = 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN';

/** C is a PrintableString and the rest UTF8Strings, as in AWS's certificates. */
function name(...attributes: ReadonlyArray<readonly [Attribute, string]>): x509.Name {
  return new x509.Name(
    attributes.map(([type, value]) => ({
      [type]: [type === 'C' ? { printableString: value } : { utf8String: value }],
    })),
  );
}

/** Who a certificate is for. Regional and zonal CAs get a fresh random label each time they are issued. */
export interface SubjectContext {
  readonly region: string;
  readonly instanceId: string;
  /** Only for the leaf. */
  readonly moduleId?: string;
}

function label(): string {
  return randomBytes(8).toString('hex');
}

export function subjectOf(level: CaLevel | 'leaf', ctx: SubjectContext): x509.Name {
  switch (level) {
    case 'root':
      // AWS has one root; simulations are many, and a unique name keeps a foreign simulation's documents
      // "untrusted root" rather than "bad signature" for a verifier that finds a same-named root.
      return name(['C', 'US'], ['O', 'Amazon'], ['OU', 'AWS'], ['CN', `${label()}.${SIM_DOMAIN}`]);
    case 'regional':
      return name(
        ['C', 'US'],
        ['O', 'Amazon'],
        ['OU', 'AWS'],
        ['CN', `${label()}.${ctx.region}.${SIM_DOMAIN}`],
      );
    case 'zonal':
      // AWS's zonal CAs list the attributes in this other order.
      return name(
        ['CN', `${label()}.zonal.${ctx.region}.${SIM_DOMAIN}`],
        ['OU', 'AWS'],
        ['O', 'Amazon'],
        ['C', 'US'],
        ['ST', 'WA'],
        ['L', 'Seattle'],
      );
    case 'instance':
      return name(
        ['C', 'US'],
        ['ST', 'Washington'],
        ['L', 'Seattle'],
        ['O', 'Amazon'],
        ['OU', 'AWS'],
        ['CN', `${ctx.instanceId}.${ctx.region}.${SIM_DOMAIN}`],
      );
    case 'leaf':
      return name(
        ['C', 'US'],
        ['ST', 'Washington'],
        ['L', 'Seattle'],
        ['O', 'Amazon'],
        ['OU', 'AWS'],
        ['CN', `${ctx.moduleId ?? ''}.${ctx.region}.sim`],
      );
  }
}

const CA_USAGE =
  x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

/** pathLen below each CA: 2 below regional (zonal, instance), 1 below zonal, 0 below instance. */
const PATH_LENGTH = { regional: 2, zonal: 1, instance: 0 } as const;

/** Extensions in AWS's order. */
export async function extensionsOf(
  level: CaLevel | 'leaf',
  subjectKey: webcrypto.CryptoKey,
  issuer: x509.X509Certificate | undefined,
): Promise<x509.Extension[]> {
  const ski = () => x509.SubjectKeyIdentifierExtension.create(subjectKey, false, provider);
  const aki = () => {
    if (!issuer) throw new Error(`a ${level} certificate needs an issuer`);
    return x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey, false, provider);
  };
  switch (level) {
    case 'root':
      return [
        new x509.BasicConstraintsExtension(true, undefined, true),
        await ski(),
        new x509.KeyUsagesExtension(CA_USAGE, true),
      ];
    case 'regional':
    case 'zonal':
      return [
        new x509.BasicConstraintsExtension(true, PATH_LENGTH[level], true),
        await aki(),
        await ski(),
        new x509.KeyUsagesExtension(CA_USAGE, true),
      ];
    case 'instance':
      return [
        new x509.BasicConstraintsExtension(true, PATH_LENGTH.instance, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        await ski(),
        await aki(),
      ];
    case 'leaf':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
          false,
        ),
      ];
  }
}

/** Random serials: 16 bytes for root, regional and zonal CAs, 20 for instance CAs, as AWS's. */
export function caSerial(level: CaLevel): Uint8Array {
  return new Uint8Array(randomBytes(level === 'instance' ? 20 : 16));
}

/** A leaf's serial, as AWS's: the enclave id (8 bytes) then the issue time in seconds (8 bytes). */
export function leafSerial(enclaveId: string, issuedAtSeconds: number): Uint8Array {
  const serial = Buffer.alloc(16);
  Buffer.from(enclaveId, 'hex').copy(serial, 0, 0, 8);
  serial.writeBigUInt64BE(BigInt(issuedAtSeconds), 8);
  return new Uint8Array(serial);
}

/** The validity window of a CA issued at `now`. */
export function caValidity(level: CaLevel, now: number): { notBefore: Date; notAfter: Date } {
  const start = Math.floor(now / 1000) * 1000;
  if (level === 'root') {
    const notAfter = new Date(start);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + ROOT_LIFETIME_YEARS);
    return { notBefore: new Date(start - CA_BACKDATE_MS), notAfter: new Date(notAfter.getTime() + HOUR) };
  }
  return { notBefore: new Date(start - CA_BACKDATE_MS), notAfter: new Date(start + LIFETIME_MS[level]) };
}
