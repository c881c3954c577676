import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Cert, certToDer, pemToDerList } from '../../../attestation/index.js';
import {
  enclaveKeyPolicy,
  explainKeyPolicy,
  type PolicyExplanation,
  readKeyPolicy,
  recipientConditionContext,
} from '../../kms-policy/index.js';
import { CliError, EXIT } from '../errors.js';
import { decodeBinaryOrText, readInput } from '../input.js';
import { printJson, reportFailure } from '../output.js';

interface PolicyFlags {
  pcr0: string;
  pcr8?: string;
  enclaveRole: string;
  admin?: string;
  json?: boolean;
}

interface ExplainFlags {
  policy: string;
  attestation: string;
  root: string[];
  action?: string;
  principal?: string;
  keyArn?: string;
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function readFlagFile(name: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot read --${name} ${path}: ${(cause as Error).message}`, { cause });
  }
}

async function loadRoots(paths: readonly string[]): Promise<Cert[] | undefined> {
  if (paths.length === 0) return undefined;
  const roots: Cert[] = [];
  for (const path of paths) {
    const data = await readFlagFile('root', path);
    const text = data.toString('latin1');
    const found = text.includes('-----BEGIN CERTIFICATE-----') ? pemToDerList(text) : [new Uint8Array(data)];
    if (found.length === 0) throw new CliError('CLI_USAGE', `--root ${path} holds no certificate`);
    roots.push(...found.map((der) => certToDer(der)));
  }
  return roots;
}

function policyCommand(flags: PolicyFlags): number {
  const json = flags.json === true;
  try {
    const policy = enclaveKeyPolicy({
      pcr0: flags.pcr0,
      pcr8: flags.pcr8,
      enclaveRoleArn: flags.enclaveRole,
      adminArn: flags.admin,
    });
    const notes =
      flags.admin === undefined
        ? [
            'no --admin: nobody can change this policy or manage the key; create the key with ' +
              '--bypass-policy-lockout-safety-check (aws kms create-key) or BypassPolicyLockoutSafetyCheck',
          ]
        : [
            `${flags.admin} can change this policy (kms:PutKeyPolicy) and so could later let another image in: ` +
              'parties who do not trust the admin should ask for a policy without --admin',
          ];
    if (json) printJson({ ok: true, policy, notes });
    else {
      printJson(policy);
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, json, { ok: false });
  }
}

function printExplanation(explanation: PolicyExplanation): void {
  process.stdout.write(`${explanation.action}: ${explanation.decision}\n`);
  for (const reason of explanation.reasons) process.stdout.write(`  ${reason}\n`);
}

async function explainCommand(flags: ExplainFlags): Promise<number> {
  const json = flags.json === true;
  try {
    const policy = readKeyPolicy((await readFlagFile('policy', flags.policy)).toString('utf8'));
    const roots = await loadRoots(flags.root);
    const document = decodeBinaryOrText(await readInput(flags.attestation));
    const { context, documentTime } = await recipientConditionContext(document, roots);
    const explanation = explainKeyPolicy(policy, context, {
      ...(flags.action === undefined ? {} : { action: flags.action }),
      ...(flags.principal === undefined ? {} : { principalArn: flags.principal }),
      ...(flags.keyArn === undefined ? {} : { keyArn: flags.keyArn }),
    });
    const allowed = explanation.decision === 'allow';
    if (json) {
      printJson({ allowed, documentTime: new Date(documentTime).toISOString(), ...explanation });
    } else {
      printExplanation(explanation);
      process.stdout.write(
        `  (document of ${new Date(documentTime).toISOString()}; KMS also refuses documents older than 5 minutes)\n`,
      );
    }
    return allowed ? EXIT.ok : EXIT.refused;
  } catch (error) {
    return reportFailure(error, json, { allowed: false });
  }
}

export function registerKmsCommands(program: Command, setExit: (code: number) => void): void {
  const kms = program.command('kms').description('KMS key policies for an enclave image');
  kms
    .command('policy')
    .description('print the key policy that lets only this enclave image (through Recipient) use the key')
    .requiredOption('--pcr0 <hex>', "the image's PCR0 (dist/measurements.json or nitro-mpc measure)")
    .option('--pcr8 <hex>', "also require the image's signing certificate (PCR8)")
    .requiredOption('--enclave-role <arn>', "the role the enclave's KMS requests are signed with")
    .option('--admin <arn>', 'who may manage (not use) the key; without it nobody can change the policy')
    .option('--json', 'print one JSON object: {ok, policy, notes}')
    .action((flags: PolicyFlags) => setExit(policyCommand(flags)));
  kms
    .command('explain')
    .description(
      'say which statement and condition of a key policy would deny a Recipient attestation document',
    )
    .requiredOption('--policy <file>', 'the key policy (JSON)')
    .requiredOption('--attestation <file>', 'the attestation document (raw CBOR, base64 or hex; - for stdin)')
    .option('--root <pem>', 'trust this root instead of the AWS Nitro root (repeatable)', collect, [])
    .option('--action <action>', 'the KMS action (default kms:Decrypt)')
    .option('--principal <arn>', 'the calling role (default: principals are not checked)')
    .option('--key-arn <arn>', 'the key ARN (default: resources are not checked)')
    .option('--json', 'print one JSON object')
    .action(async (flags: ExplainFlags) => setExit(await explainCommand(flags)));
}
