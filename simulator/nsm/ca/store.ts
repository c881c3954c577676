/**
 * Keeps the simulated CA hierarchy in `<stateDir>/nsm/` (directory 0700, files 0600) so that a simulation keeps
 * its root across restarts: `ca.json` holds the certificates and their private keys, `root.pem` the root for
 * parties and tools (`nitro-mpc attestation verify --root`). What is read back is checked like any outside input.
 */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { derToPem } from '../../../attestation/x509/certificate.js';
import { bytesEqual } from '../../../common/bytes.js';
import { NsmSimulatorError } from '../errors.js';
import type { CaCertificate, CaHierarchy } from './hierarchy.js';
import { CA_LEVELS, type CaLevel } from './profiles.js';
import { exportPkcs8, importP384PrivateKey, provider, x509 } from './x509.js';

const STATE_FORMAT = 'nitro-mpc/nsm-simulator-ca/1';
const MAX_STATE_BYTES = 64 * 1024;

export function nsmStateDir(stateDir: string): string {
  return join(stateDir, 'nsm');
}

function caFile(stateDir: string): string {
  return join(nsmStateDir(stateDir), 'ca.json');
}

/** Where the simulator's root certificate is kept as PEM. */
export function rootCertificatePath(stateDir: string): string {
  return join(nsmStateDir(stateDir), 'root.pem');
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);
const storedCa = z.strictObject({ certificate: base64, privateKey: base64 });
const storedState = z.strictObject({
  format: z.literal(STATE_FORMAT),
  region: z.string().min(1).max(64),
  instanceId: z.string().regex(/^i-[0-9a-f]{17}$/),
  root: storedCa,
  regional: storedCa,
  zonal: storedCa,
  instance: storedCa,
});
type StoredState = z.infer<typeof storedState>;

function invalidState(stateDir: string, why: string, cause?: unknown): NsmSimulatorError {
  return new NsmSimulatorError(
    'NSM_SIMULATOR_STATE_INVALID',
    `the simulated NSM state in ${caFile(stateDir)} is unusable: ${why}; delete ${nsmStateDir(stateDir)} to start ` +
      'a new simulated CA (parties must then trust its new root)',
    cause === undefined ? undefined : { cause },
  );
}

async function ensureDirectory(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await mkdir(nsmStateDir(stateDir), { recursive: true, mode: 0o700 });
  await chmod(nsmStateDir(stateDir), 0o700);
}

/** Writes `data` to `path` with mode 0600 through a temporary file: readers never see half a file. */
async function writePrivateFile(path: string, data: string, mode: 'replace' | 'create'): Promise<boolean> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, data, { mode: 0o600, flag: 'wx' });
  try {
    if (mode === 'replace') {
      await rename(temporary, path);
      return true;
    }
    // link() fails if `path` exists: of two processes creating the state at once, exactly one wins.
    await link(temporary, path);
    return true;
  } catch (error) {
    if (mode === 'create' && (error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function toStored(hierarchy: CaHierarchy): Promise<StoredState> {
  const entry = async (ca: CaCertificate) => ({
    certificate: Buffer.from(ca.der).toString('base64'),
    privateKey: Buffer.from(await exportPkcs8(ca.privateKey)).toString('base64'),
  });
  return {
    format: STATE_FORMAT,
    region: hierarchy.region,
    instanceId: hierarchy.instanceId,
    root: await entry(hierarchy.root),
    regional: await entry(hierarchy.regional),
    zonal: await entry(hierarchy.zonal),
    instance: await entry(hierarchy.instance),
  };
}

/** Throws unless `pkcs8` is the private key of `certificate`. */
function checkKeyPair(certificate: x509.X509Certificate, pkcs8: Uint8Array): void {
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!bytesEqual(new Uint8Array(spki), new Uint8Array(certificate.publicKey.rawData))) {
    throw new Error('the private key does not belong to the certificate');
  }
}

async function fromStored(stateDir: string, stored: StoredState): Promise<CaHierarchy> {
  const levels: Partial<Record<CaLevel, CaCertificate>> = {};
  for (const level of CA_LEVELS) {
    const der = new Uint8Array(Buffer.from(stored[level].certificate, 'base64'));
    const pkcs8 = new Uint8Array(Buffer.from(stored[level].privateKey, 'base64'));
    let certificate: x509.X509Certificate;
    try {
      certificate = new x509.X509Certificate(der);
      checkKeyPair(certificate, pkcs8);
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw invalidState(stateDir, `the ${level} CA: ${why}`, cause);
    }
    levels[level] = { certificate, der, privateKey: await importP384PrivateKey(pkcs8) };
  }
  const { root, regional, zonal, instance } = levels as Record<CaLevel, CaCertificate>;
  const links: ReadonlyArray<readonly [CaCertificate, CaCertificate, string]> = [
    [root, root, 'root'],
    [regional, root, 'regional'],
    [zonal, regional, 'zonal'],
    [instance, zonal, 'instance'],
  ];
  for (const [subject, issuer, level] of links) {
    const signed = await subject.certificate.verify(
      { publicKey: issuer.certificate.publicKey, signatureOnly: true },
      provider,
    );
    if (!signed) throw invalidState(stateDir, `the ${level} CA is not signed by the CA above it`);
  }
  return { region: stored.region, instanceId: stored.instanceId, root, regional, zonal, instance };
}

/** The stored hierarchy, or undefined when the state directory has none yet. */
export async function loadHierarchy(stateDir: string): Promise<CaHierarchy | undefined> {
  let text: string;
  try {
    text = await readFile(caFile(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalidState(stateDir, `it cannot be read (${(error as Error).message})`, error);
  }
  if (text.length > MAX_STATE_BYTES) throw invalidState(stateDir, 'it is far larger than a CA state');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw invalidState(stateDir, 'it is not JSON', cause);
  }
  const parsed = storedState.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidState(
      stateDir,
      `${issue?.path.join('.') || 'its content'}: ${issue?.message ?? 'unexpected shape'}`,
    );
  }
  return fromStored(stateDir, parsed.data);
}

/**
 * Stores `hierarchy`. With `create`, only if the state directory has none yet: returns false when another
 * process got there first (the caller then loads theirs).
 */
export async function saveHierarchy(
  stateDir: string,
  hierarchy: CaHierarchy,
  mode: 'create' | 'replace',
): Promise<boolean> {
  await ensureDirectory(stateDir);
  return writePrivateFile(caFile(stateDir), `${JSON.stringify(await toStored(hierarchy), null, 2)}\n`, mode);
}

/** (Re)writes `root.pem` when it is missing or holds another certificate. */
export async function writeRootCertificate(stateDir: string, rootDer: Uint8Array): Promise<string> {
  const path = rootCertificatePath(stateDir);
  const pem = derToPem(rootDer);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== pem) {
    await ensureDirectory(stateDir);
    await writePrivateFile(path, pem, 'replace');
  }
  return path;
}
