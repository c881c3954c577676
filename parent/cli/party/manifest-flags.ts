import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { type ManifestInput, type ManifestRecipient, partySchema } from '../../../protocol/index.js';
import { parsePcrs } from '../commands/attestation.js';
import { CliError } from '../errors.js';
import { PartyCliError } from './errors.js';
import { readFlagFile } from './files.js';

const usage = (message: string) => new CliError('CLI_USAGE', message);

/** `--input <name>:<provider>[:once|each-round]`. */
export function parseInputFlag(flag: string, maxBytes: number): ManifestInput {
  const [name, provider, provide = 'once', ...rest] = flag.split(':');
  if (!name || !provider || rest.length > 0 || (provide !== 'once' && provide !== 'each-round'))
    throw usage(`--input ${flag}: expected <name>:<provider>[:once|each-round]`);
  return { name, provider, schema: 'any', maxBytes, provide };
}

/** `--recipient <party>[:full|<view>][:encrypted|clear]`. */
export function parseRecipientFlag(flag: string): ManifestRecipient {
  const [party, ...rest] = flag.split(':');
  if (!party || rest.length > 2)
    throw usage(`--recipient ${flag}: expected <party>[:full|<view>][:encrypted|clear]`);
  let view: ManifestRecipient['view'] = 'full';
  let delivery: ManifestRecipient['delivery'] = 'encrypted';
  for (const part of rest) {
    if (part === 'encrypted' || part === 'clear') delivery = part;
    else if (part === 'full') view = 'full';
    else if (part.length > 0) view = { partial: part };
    else throw usage(`--recipient ${flag}: empty field`);
  }
  return { party, view, delivery };
}

/** `--pcr i=hex`, repeatable, as the manifest's expected PCRs. */
export function parseManifestPcrs(flags: readonly string[]): { index: number; allowed: string[] }[] {
  if (flags.length === 0) throw usage('pass at least one --pcr <index>=<hex> (the enclave image PCRs)');
  return Object.entries(parsePcrs(flags)).map(([index, allowed]) => ({ index: Number(index), allowed }));
}

/** `--evaluation auto | on-request:<party>,...`. */
export function parseEvaluationFlag(flag: string) {
  if (flag === 'auto') return { trigger: 'auto' as const };
  const match = /^on-request:(.+)$/.exec(flag);
  if (!match?.[1]) throw usage(`--evaluation ${flag}: expected auto or on-request:<party>[,<party>...]`);
  return { trigger: 'on-request' as const, requesters: match[1].split(',') };
}

export function parseIntFlag(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw usage(`--${name} ${text}: expected an integer >= ${min}`);
  return value;
}

export function parseJsonFlag(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw usage(`--${name}: not valid JSON`);
  }
}

/** A `--party` file: the public JSON `nitro-mpc keygen` printed, checked against the manifest's party schema. */
export async function readPartyFile(path: string) {
  const data = await readFlagFile('--party', path);
  const parsed = partySchema.safeParse(parseJsonFlag(`party ${path}`, data.toString('utf8')));
  if (!parsed.success)
    throw usage(
      `--party ${path}: not a party's public JSON (${parsed.error.issues[0]?.path.join('.') ?? ''})`,
    );
  return parsed.data;
}

const functionListSchema = z.array(
  z.looseObject({ id: z.string(), version: z.string(), measurement: z.string() }),
);

/** Runs the enclave bundle with --list-functions: the measurements of the code the enclave image carries. */
export async function functionFromBundle(bundle: string, id: string, version: string | undefined) {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [bundle, '--list-functions'], {
      maxBuffer: 4 * 1024 * 1024,
    }));
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot run --enclave-bundle ${bundle} --list-functions`, { cause });
  }
  const parsed = functionListSchema.safeParse(parseJsonFlag('enclave-bundle output', stdout));
  if (!parsed.success) throw new CliError('CLI_IO', `--enclave-bundle ${bundle} did not list functions`);
  const found = parsed.data.find((f) => f.id === id && (version === undefined || f.version === version));
  if (!found)
    throw new PartyCliError(
      'FUNCTION_UNKNOWN',
      `the enclave bundle has no function ${id}${version ? `@${version}` : ''}`,
    );
  return { id: found.id, version: found.version, measurement: found.measurement };
}
