import { readFile } from 'node:fs/promises';
import type { Cert } from '../../../attestation/index.js';
import { certToDer, pemToDerList } from '../../../attestation/index.js';
import { decodeManifest, type Manifest } from '../../../protocol/index.js';
import { decodePartyKeyFile, type PartyKeys } from '../../client/index.js';
import { CliError } from '../errors.js';

/** Most bytes of any file a party command reads whole (manifests, keys, receipts, roots). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export async function readFlagFile(flag: string, path: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot read ${flag} ${path}: ${(cause as Error).message}`, { cause });
  }
  if (data.byteLength > MAX_FILE_BYTES)
    throw new CliError('CLI_IO', `${flag} ${path} is larger than ${MAX_FILE_BYTES} bytes`);
  return data;
}

export async function loadManifest(path: string): Promise<Manifest> {
  return decodeManifest(new Uint8Array(await readFlagFile('--manifest', path)));
}

export async function loadKeys(path: string): Promise<PartyKeys> {
  return decodePartyKeyFile((await readFlagFile('--key', path)).toString('utf8'));
}

/** `--root` files: PEM (one or more certificates) or DER. */
export async function loadRoots(paths: readonly string[]): Promise<Cert[] | undefined> {
  if (paths.length === 0) return undefined;
  const roots: Cert[] = [];
  for (const path of paths) {
    const data = await readFlagFile('--root', path);
    const text = data.toString('latin1');
    const found = text.includes('-----BEGIN CERTIFICATE-----') ? pemToDerList(text) : [new Uint8Array(data)];
    if (found.length === 0) throw new CliError('CLI_USAGE', `--root ${path} holds no certificate`);
    roots.push(...found.map((der) => certToDer(der)));
  }
  return roots;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
