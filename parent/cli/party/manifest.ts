import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { bytesToHex } from '../../../common/bytes.js';
import { encodeManifest, type Manifest, parseManifest, sessionIdOf } from '../../../protocol/index.js';
import { CliError, EXIT } from '../errors.js';
import { collect, loadManifest } from './files.js';
import {
  functionFromBundle,
  parseEvaluationFlag,
  parseInputFlag,
  parseIntFlag,
  parseJsonFlag,
  parseManifestPcrs,
  parseRecipientFlag,
  readPartyFile,
} from './manifest-flags.js';
import { printOutcome, reportPartyFailure, toJsonValue } from './output.js';

interface InitFlags {
  function: string;
  party: string[];
  input: string[];
  recipient: string[];
  pcr: string[];
  measurement?: string;
  enclaveBundle?: string;
  parameters: string;
  threshold?: string;
  windowMinutes: string;
  resubmission: string;
  evaluation: string;
  rounds: string;
  maxInputBytes: string;
  out: string;
  json?: boolean;
}

const RESUBMISSION = ['reject', 'first-wins', 'last-wins'];

async function functionRef(flags: InitFlags) {
  const [id = '', version] = flags.function.split('@');
  if ((flags.measurement === undefined) === (flags.enclaveBundle === undefined))
    throw new CliError('CLI_USAGE', 'pass exactly one of --measurement <hex> or --enclave-bundle <file>');
  if (flags.enclaveBundle !== undefined) return functionFromBundle(flags.enclaveBundle, id, version);
  return { id, version: version ?? '1.0.0', measurement: (flags.measurement ?? '').toLowerCase() };
}

async function init(flags: InitFlags): Promise<Record<string, unknown>> {
  if (!RESUBMISSION.includes(flags.resubmission))
    throw new CliError('CLI_USAGE', `--resubmission: expected ${RESUBMISSION.join(' | ')}`);
  const maxBytes = parseIntFlag('max-input-bytes', flags.maxInputBytes, 1);
  const inputs = flags.input.map((f) => parseInputFlag(f, maxBytes));
  const now = Date.now();
  const manifest = parseManifest({
    version: 1,
    salt: randomBytes(16).toString('hex'),
    function: await functionRef(flags),
    parameters: parseJsonFlag('parameters', flags.parameters),
    parties: await Promise.all(flags.party.map(readPartyFile)),
    inputs,
    recipients: flags.recipient.map(parseRecipientFlag),
    threshold: flags.threshold === undefined ? inputs.length : parseIntFlag('threshold', flags.threshold, 1),
    window: { opensAt: now, closesAt: now + parseIntFlag('window-minutes', flags.windowMinutes, 1) * 60_000 },
    resubmission: flags.resubmission,
    evaluation: parseEvaluationFlag(flags.evaluation),
    rounds: parseIntFlag('rounds', flags.rounds, 1),
    enclave: { pcrs: parseManifestPcrs(flags.pcr) },
  });
  try {
    await writeFile(flags.out, encodeManifest(manifest));
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot write --out ${flags.out}: ${(cause as Error).message}`, { cause });
  }
  return { sessionId: bytesToHex(sessionIdOf(manifest)), out: flags.out };
}

/** The manifest as plain JSON (its fields are JSON already, bar opaque parameters). */
export function manifestJson(manifest: Manifest): Record<string, unknown> {
  return {
    sessionId: bytesToHex(sessionIdOf(manifest)),
    ...manifest,
    parameters: toJsonValue(manifest.parameters),
  };
}

function describe(m: Manifest): string[] {
  const time = (ms: number) => new Date(ms).toISOString();
  return [
    `session   ${bytesToHex(sessionIdOf(m))}`,
    `function  ${m.function.id}@${m.function.version} (measurement ${m.function.measurement})`,
    `params    ${JSON.stringify(toJsonValue(m.parameters))}`,
    `parties   ${m.parties.map((p) => `${p.id} (${p.signingKey.alg})`).join(', ')}`,
    ...m.inputs.map(
      (i) => `input     ${i.name} from ${i.provider}, ${i.provide}, at most ${i.maxBytes} bytes`,
    ),
    ...m.recipients.map(
      (r) => `recipient ${r.party}: ${r.view === 'full' ? 'full' : r.view.partial} result, ${r.delivery}`,
    ),
    `threshold ${m.threshold} of ${m.inputs.length}; resubmission ${m.resubmission}; rounds ${m.rounds}`,
    `window    ${time(m.window.opensAt)} .. ${time(m.window.closesAt)}`,
    `evaluate  ${m.evaluation.trigger === 'auto' ? 'auto' : `on request of ${m.evaluation.requesters.join(', ')}`}`,
    ...m.enclave.pcrs.map((p) => `PCR${p.index.toString().padEnd(6)} ${p.allowed.join(' | ')}`),
  ];
}

function run(json: boolean, setExit: (code: number) => void, body: () => Promise<void>): Promise<void> {
  return body().then(
    () => setExit(EXIT.ok),
    (error: unknown) => setExit(reportPartyFailure(error, json)),
  );
}

export function registerManifestCommands(program: Command, setExit: (code: number) => void): void {
  const manifest = program.command('manifest').description('write, hash and show session manifests');
  manifest
    .command('init')
    .description('write a session manifest (canonical CBOR) that every party then approves')
    .requiredOption('--function <id[@version]>', 'the enclave function')
    .option('--party <file>', "a party's public JSON from `nitro-mpc keygen` (repeatable)", collect, [])
    .option(
      '--input <name:provider[:once|each-round]>',
      'an input and who provides it (repeatable)',
      collect,
      [],
    )
    .option(
      '--recipient <party[:full|view][:encrypted|clear]>',
      'who receives which result (repeatable)',
      collect,
      [],
    )
    .option(
      '--pcr <index=hex>',
      'expected enclave PCR (repeatable; repeat an index to allow several)',
      collect,
      [],
    )
    .option('--measurement <hex>', "the function's code measurement")
    .option(
      '--enclave-bundle <file>',
      'read the measurement from this enclave bundle (runs it with --list-functions)',
    )
    .option('--parameters <json>', "the function's parameters", '{}')
    .option('--threshold <n>', 'inputs needed before evaluation (default: all)')
    .option('--window-minutes <m>', 'submission window from now', '60')
    .option('--resubmission <policy>', RESUBMISSION.join(' | '), 'reject')
    .option('--evaluation <trigger>', 'auto | on-request:<party>,...', 'auto')
    .option('--rounds <n>', 'number of rounds', '1')
    .option('--max-input-bytes <n>', 'largest input accepted', String(64 * 1024 * 1024))
    .requiredOption('--out <file>', 'where to write the manifest')
    .option('--json', 'print one JSON object')
    .action((flags: InitFlags) =>
      run(flags.json === true, setExit, async () => {
        const out = await init(flags);
        printOutcome(flags.json === true, out, [`wrote ${flags.out}`, `session ${String(out['sessionId'])}`]);
      }),
    );
  manifest
    .command('hash')
    .description("print the manifest's session id (SHA-256 of its canonical CBOR)")
    .argument('<file>', 'manifest file')
    .option('--json', 'print one JSON object')
    .action((file: string, flags: { json?: boolean }) =>
      run(flags.json === true, setExit, async () => {
        const sessionId = bytesToHex(sessionIdOf(await loadManifest(file)));
        printOutcome(flags.json === true, { sessionId }, [sessionId]);
      }),
    );
  manifest
    .command('show')
    .description('print what a manifest says, to read before approving it')
    .argument('<file>', 'manifest file')
    .option('--json', 'print one JSON object')
    .action((file: string, flags: { json?: boolean }) =>
      run(flags.json === true, setExit, async () => {
        const m = await loadManifest(file);
        printOutcome(flags.json === true, manifestJson(m), describe(m));
      }),
    );
}
