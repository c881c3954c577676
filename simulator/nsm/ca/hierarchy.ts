/**
 * The simulated CA hierarchy, root → regional → zonal → instance, as AWS runs it: a long-lived root and
 * short-lived intermediates that are replaced (with new keys) before they expire.
 */
import type { webcrypto } from 'node:crypto';
import { NsmSimulatorError } from '../errors.js';
import {
  CA_LEVELS,
  type CaLevel,
  caSerial,
  caValidity,
  extensionsOf,
  LIFETIME_MS,
  subjectOf,
} from './profiles.js';
import { generateP384KeyPair, issueCertificate, type x509 } from './x509.js';

export interface CaCertificate {
  readonly certificate: x509.X509Certificate;
  readonly der: Uint8Array;
  readonly privateKey: webcrypto.CryptoKey;
}

export interface CaHierarchy {
  readonly region: string;
  /** The simulated parent instance, e.g. `i-0123456789abcdef0`. */
  readonly instanceId: string;
  readonly root: CaCertificate;
  readonly regional: CaCertificate;
  readonly zonal: CaCertificate;
  readonly instance: CaCertificate;
}

const PARENT: Readonly<Record<Exclude<CaLevel, 'root'>, CaLevel>> = {
  regional: 'root',
  zonal: 'regional',
  instance: 'zonal',
};

async function issueCa(
  level: CaLevel,
  issuer: CaCertificate | undefined,
  context: { readonly region: string; readonly instanceId: string },
  now: number,
): Promise<CaCertificate> {
  const keys = await generateP384KeyPair(true);
  const certificate = await issueCertificate({
    serial: caSerial(level),
    subject: subjectOf(level, context),
    ...(issuer ? { issuer: issuer.certificate } : {}),
    publicKey: keys.publicKey,
    signingKey: issuer ? issuer.privateKey : keys.privateKey,
    ...caValidity(level, now),
    extensions: await extensionsOf(level, keys.publicKey, issuer?.certificate),
  });
  return { certificate, der: new Uint8Array(certificate.rawData), privateKey: keys.privateKey };
}

export async function createHierarchy(region: string, instanceId: string, now: number): Promise<CaHierarchy> {
  const context = { region, instanceId };
  const root = await issueCa('root', undefined, context, now);
  const regional = await issueCa('regional', root, context, now);
  const zonal = await issueCa('zonal', regional, context, now);
  const instance = await issueCa('instance', zonal, context, now);
  return { region, instanceId, root, regional, zonal, instance };
}

/**
 * An intermediate is replaced when it is not valid at `now` or would expire within a leaf's lifetime, so that
 * every document's chain outlives its leaf.
 */
function needsRenewal(ca: CaCertificate, now: number): boolean {
  return (
    now < ca.certificate.notBefore.getTime() || now + LIFETIME_MS.leaf > ca.certificate.notAfter.getTime()
  );
}

/** Renews what `needsRenewal` says and everything below it. Returns the levels that were reissued. */
export async function renewHierarchy(
  hierarchy: CaHierarchy,
  now: number,
): Promise<{ readonly hierarchy: CaHierarchy; readonly renewed: readonly CaLevel[] }> {
  const { root } = hierarchy;
  if (now < root.certificate.notBefore.getTime() || now > root.certificate.notAfter.getTime()) {
    throw new NsmSimulatorError(
      'NSM_SIMULATOR_STATE_INVALID',
      `the simulator root is not valid at ${new Date(now).toISOString()} (valid ${root.certificate.notBefore.toISOString()} to ` +
        `${root.certificate.notAfter.toISOString()}); start a new state directory (parties must then trust its new root)`,
    );
  }
  const next: Record<CaLevel, CaCertificate> = {
    root,
    regional: hierarchy.regional,
    zonal: hierarchy.zonal,
    instance: hierarchy.instance,
  };
  const renewed: CaLevel[] = [];
  for (const level of CA_LEVELS) {
    if (level === 'root') continue;
    const parent = PARENT[level];
    if (renewed.includes(parent) || needsRenewal(next[level], now)) {
      next[level] = await issueCa(level, next[parent], hierarchy, now);
      renewed.push(level);
    }
  }
  return { hierarchy: { ...hierarchy, ...next }, renewed };
}

/** The `cabundle` of a document: root first, then down to the instance CA, as the NSM lists it. */
export function cabundleOf(hierarchy: CaHierarchy): Uint8Array[] {
  return CA_LEVELS.map((level) => hierarchy[level].der);
}
