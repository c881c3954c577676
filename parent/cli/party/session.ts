import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { bytesToHex } from '../../../common/bytes.js';
import { encodeReceipt, type Receipt } from '../../../protocol/index.js';
import { requestAttestation, sendInput, verifyAttestationRecord } from '../../client/index.js';
import { CliError, EXIT } from '../errors.js';
import { ENDPOINT_ENV } from './connect.js';
import { collect } from './files.js';
import { INPUT_FORMATS, inputFormatOf, parseInputFile } from './input-file.js';
import { parseIntFlag } from './manifest-flags.js';
import { printOutcome, progress, reportPartyFailure, toJsonValue } from './output.js';
import { receiptSummaryJson } from './receipt-summary.js';
import { openSessionContext, type SessionContext, type SessionFlags, trustOf } from './session-context.js';
import { forgetAttestation, loadAttestation, saveAttestation } from './session-state.js';

interface SubmitFlags extends SessionFlags {
  input: string;
  file: string;
  format?: string;
  column?: string;
  round: string;
}

interface RoundFlags extends SessionFlags {
  round: string;
  out?: string;
  saveReceipt?: string;
}

type Outcome = { json: Record<string, unknown>; human: string[] };
type Verb<F extends SessionFlags> = (context: SessionContext, flags: F) => Promise<Outcome>;

async function writeOut(flag: string, path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot write ${flag} ${path}: ${(cause as Error).message}`, { cause });
  }
}

async function saveReceipt(path: string | undefined, receipt: Receipt): Promise<void> {
  if (path !== undefined) await writeOut('--save-receipt', path, encodeReceipt(receipt));
}

const create: Verb<SessionFlags> = async ({ client, manifest }) => {
  const sessionId = bytesToHex(await client.create(manifest));
  return { json: { sessionId }, human: [`created session ${sessionId}`] };
};

const approve: Verb<SessionFlags> = async ({ client, manifest, sessionId, keys }) => {
  const open = await client.approve(manifest);
  return {
    json: { sessionId: bytesToHex(sessionId), party: keys.identity.id, open },
    human: [`approved as ${keys.identity.id}; session ${open ? 'open' : 'waiting for other approvals'}`],
  };
};

const attest: Verb<SessionFlags> = async (context, flags) => {
  const { record, verified } = await requestAttestation(
    context.connection,
    context.manifest,
    trustOf(context),
  );
  const stateFile = await saveAttestation(flags.key, context.sessionId, record);
  const pcrs = Object.fromEntries(context.manifest.enclave.pcrs.map((p) => [String(p.index), 'match']));
  return {
    json: {
      sessionId: bytesToHex(context.sessionId),
      verified: true,
      moduleId: verified.document.moduleId,
      timestamp: verified.document.timestamp,
      pcrs,
      sessionKey: verified.hpkePublicKey,
      enclaveSigningKey: verified.enclaveSigningKey,
      stateFile,
    },
    human: [
      `verified: ${verified.document.moduleId} runs the manifest's image (PCR ${Object.keys(pcrs).join(', ')} match)`,
      `session key saved to ${stateFile}`,
    ],
  };
};

const submit: Verb<SubmitFlags> = async (context, flags) => {
  const format = inputFormatOf(flags.file, flags.format);
  let text: string;
  try {
    text = await readFile(flags.file, 'utf8');
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot read --file ${flags.file}: ${(cause as Error).message}`, { cause });
  }
  const value = parseInputFile(text, format, flags.column);
  const round = parseIntFlag('round', flags.round, 1);
  // A stored record is outside input: the session key is trusted only after it verifies again, now.
  const record = await loadAttestation(flags.key, context.sessionId);
  const verified = await verifyAttestationRecord(record, context.manifest, trustOf(context));
  const show = progress(flags.json === true);
  const commitment = await sendInput({
    connection: context.connection,
    party: context.keys.identity,
    manifest: context.manifest,
    sessionKey: verified.hpkePublicKey,
    inputName: flags.input,
    value,
    round,
    onProgress: (sent, total) => show(`sending ${flags.input}: ${Math.floor((100 * sent) / total)}%`),
  });
  show('');
  const items = Array.isArray(value) ? value.length : 1;
  return {
    json: {
      sessionId: bytesToHex(context.sessionId),
      input: flags.input,
      round,
      items,
      commitment: bytesToHex(commitment),
    },
    human: [`sent ${flags.input} (${items} values, encrypted); commitment ${bytesToHex(commitment)}`],
  };
};

const status: Verb<SessionFlags> = async ({ client, manifest }) => {
  const { type: _type, ...s } = await client.status(manifest);
  const provided = s.inputs.filter((i) => i.provided).length;
  return {
    json: { ...s, sessionId: bytesToHex(s.sessionId) },
    human: [
      `session ${bytesToHex(s.sessionId)}: ${s.phase}, round ${s.round}`,
      `approvals pending: ${s.pendingApprovals.length === 0 ? 'none' : s.pendingApprovals.join(', ')}`,
      `inputs: ${provided} of ${s.inputs.length} provided`,
      ...s.inputs.map((i) => `  ${i.provided ? 'x' : ' '} ${i.inputName} (${i.partyId})`),
    ],
  };
};

const evaluate: Verb<RoundFlags> = async ({ client, manifest, sessionId }, flags) => {
  const round = parseIntFlag('round', flags.round, 1);
  await client.evaluate(manifest, round);
  return {
    json: { sessionId: bytesToHex(sessionId), round, started: true },
    human: [`evaluation of round ${round} started`],
  };
};

const result: Verb<RoundFlags> = async ({ client, manifest }, flags) => {
  const { value, receipt, summary } = await client.result(manifest, parseIntFlag('round', flags.round, 1));
  await saveReceipt(flags.saveReceipt, receipt);
  const plain = toJsonValue(value);
  if (flags.out !== undefined) await writeOut('--out', flags.out, `${JSON.stringify(plain, null, 2)}\n`);
  return {
    json: { value: plain, receipt: receiptSummaryJson(summary) },
    human: [
      JSON.stringify(plain),
      `verified: signed by the attested enclave for ${summary.recipient}, ${summary.inputCommitments.length} inputs committed`,
    ],
  };
};

const destroy: Verb<RoundFlags> = async ({ client, manifest, sessionId }, flags) => {
  const { certificate, summary } = await client.destroy(manifest);
  await saveReceipt(flags.saveReceipt, certificate);
  await forgetAttestation(flags.key, sessionId);
  return {
    json: { certificate: receiptSummaryJson(summary) },
    human: [
      `verified destruction certificate: ${summary.reason}, ${summary.method}`,
      `destroyed ${summary.destroyed.length} inputs at ${new Date(summary.destroyedAt).toISOString()}`,
    ],
  };
};

function sessionCommand<F extends SessionFlags>(
  session: Command,
  name: string,
  description: string,
  verb: Verb<F>,
  setExit: (code: number) => void,
): Command {
  return session
    .command(name)
    .description(description)
    .requiredOption('--manifest <file>', 'the session manifest')
    .requiredOption('--key <file>', 'your key file from `nitro-mpc keygen`')
    .option(
      '--endpoint <address>',
      `enclave address: unix://, tcp://host:port, vsock://cid:port (or $${ENDPOINT_ENV})`,
    )
    .option(
      '--root <pem>',
      'trust this attestation root instead of AWS (repeatable; the simulator root)',
      collect,
      [],
    )
    .option('--json', 'print one JSON object')
    .action(async (flags: F) => {
      const json = flags.json === true;
      let context: SessionContext | undefined;
      try {
        context = await openSessionContext(flags);
        const outcome = await verb(context, flags);
        printOutcome(json, outcome.json, outcome.human);
        setExit(EXIT.ok);
      } catch (error) {
        setExit(reportPartyFailure(error, json));
      } finally {
        context?.connection.close();
      }
    });
}

export function registerSessionCommands(program: Command, setExit: (code: number) => void): void {
  const session = program.command('session').description('take part in a session: one verb per step');
  const add = <F extends SessionFlags>(name: string, description: string, verb: Verb<F>) =>
    sessionCommand(session, name, description, verb, setExit);
  add('create', 'create the session of this manifest on the enclave', create);
  add('approve', 'sign the manifest as your party', approve);
  add('attest', "verify the enclave against the manifest's PCRs and remember its session key", attest);
  add('submit', 'encrypt an input to the attested session key and send it', submit)
    .requiredOption('--input <name>', 'the manifest input')
    .requiredOption('--file <path>', 'the values: CSV (header row), JSON, or newline-delimited JSON')
    .option('--format <format>', `${INPUT_FORMATS.join(' | ')} (default: from the extension)`)
    .option('--column <name>', 'the CSV column or JSON field to send')
    .option('--round <n>', 'round', '1');
  add('status', "the session's phase, approvals and inputs", status);
  add('evaluate', 'ask the enclave to evaluate (on-request sessions)', evaluate).option(
    '--round <n>',
    'round',
    '1',
  );
  add('result', 'fetch, verify and open your result', result)
    .option('--round <n>', 'round', '1')
    .option('--out <file>', 'also write the value as JSON here')
    .option('--save-receipt <file>', "write the receipt's canonical bytes here");
  add('destroy', 'end the session and verify its destruction certificate', destroy).option(
    '--save-receipt <file>',
    "write the certificate's canonical bytes here",
  );
}
