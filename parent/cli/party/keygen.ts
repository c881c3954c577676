import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { identifierSchema, SIGNING_ALGORITHMS, type SigningAlgorithm } from '../../../protocol/index.js';
import { encodePartyKeyFile, generatePartyKeys, partyPublicEntry } from '../../client/index.js';
import { CliError, EXIT } from '../errors.js';
import { printJson } from '../output.js';
import { PartyCliError } from './errors.js';
import { loadKeys } from './files.js';
import { reportPartyFailure } from './output.js';

interface KeygenFlags {
  out?: string;
  public?: string;
  alg: string;
  id?: string;
  name?: string;
  force?: boolean;
  json?: boolean;
}

function partyIdFrom(flags: KeygenFlags, out: string): string {
  const id = flags.id ?? basename(out).replace(/\.[^.]*$/, '');
  if (!identifierSchema.safeParse(id).success)
    throw new CliError('CLI_USAGE', `--id ${id}: expected 1..64 of [A-Za-z0-9._:-], starting alphanumeric`);
  return id;
}

/** Writes the key file owner-only from its creation: never a moment where others could read it. */
async function writeSecretFile(path: string, text: string, force: boolean): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, force ? 'w' : 'wx', 0o600);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST')
      throw new PartyCliError('KEY_FILE_EXISTS', `${path} exists; refusing to overwrite keys`);
    throw new CliError('CLI_IO', `cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    // `open` keeps the mode of an existing file (--force): tighten it before writing secrets into it.
    await handle.chmod(0o600);
    await handle.truncate(0);
    await handle.writeFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}

async function keygen(flags: KeygenFlags): Promise<void> {
  if (flags.public !== undefined) {
    if (flags.out !== undefined) throw new CliError('CLI_USAGE', 'pass either --out or --public, not both');
    printJson(partyPublicEntry(await loadKeys(flags.public)));
    return;
  }
  if (flags.out === undefined) throw new CliError('CLI_USAGE', 'pass --out <file> (or --public <file>)');
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(flags.alg))
    throw new CliError('CLI_USAGE', `--alg ${flags.alg}: expected ${SIGNING_ALGORITHMS.join(' or ')}`);
  const id = partyIdFrom(flags, flags.out);
  const keys = await generatePartyKeys(id, flags.alg as SigningAlgorithm, flags.name ?? id);
  await writeSecretFile(flags.out, await encodePartyKeyFile(keys), flags.force === true);
  // The public part is what the other parties need for the manifest: JSON either way.
  printJson(partyPublicEntry(keys));
}

export function registerKeygenCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('keygen')
    .description("create a party's signing and HPKE keys (file mode 0600) and print the public part")
    .option('--out <file>', 'write the private keys here')
    .option('--public <file>', 'reprint the public part of an existing key file')
    .option('--alg <alg>', `signing algorithm: ${SIGNING_ALGORITHMS.join(' | ')}`, 'Ed25519')
    .option('--id <party>', 'party id in manifests (default: the file name without extension)')
    .option('--name <text>', 'display name in manifests (default: the id)')
    .option('--force', 'replace an existing key file')
    .option('--json', 'print one JSON object (the public part is JSON anyway)')
    .action(async (flags: KeygenFlags) => {
      try {
        await keygen(flags);
        setExit(EXIT.ok);
      } catch (error) {
        setExit(reportPartyFailure(error, flags.json === true));
      }
    });
}
