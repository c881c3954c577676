import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  type AttestationDocument,
  type AttestationPolicy,
  type Cert,
  certToDer,
  decodeAttestationDocument,
  parseCertificate,
  pemToDerList,
  summarizeCertificate,
  verifyAttestationDocument,
} from '../../../attestation/index.js';
import { bytesToHex, isHex } from '../../../common/bytes.js';
import { CliError, EXIT } from '../errors.js';
import { decodeBinaryOrText, readInput } from '../input.js';
import { printJson, reportFailure } from '../output.js';

interface VerifyFlags {
  at?: string;
  root: string[];
  pcr: string[];
  nonce?: string;
  userData?: string;
  publicKey?: string;
  maxAge?: string;
  allowDebug?: boolean;
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--at`: ISO-8601, epoch milliseconds, or `document`. */
export function parseAt(text: string): number | 'document' {
  if (text === 'document') return 'document';
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new CliError('CLI_USAGE', `--at ${text}: expected ISO-8601, epoch ms or "document"`);
  return ms;
}

/** `--pcr i=hex`, repeatable; several values for one index form its allow-list. */
export function parsePcrs(flags: readonly string[]): Record<number, string[]> {
  const pcrs: Record<number, string[]> = {};
  for (const flag of flags) {
    const match = /^(\d{1,2})=(?:0x)?([0-9a-fA-F]+)$/.exec(flag);
    if (!match?.[1] || !match[2] || !isHex(match[2])) {
      throw new CliError('CLI_USAGE', `--pcr ${flag}: expected <index>=<hex>, e.g. 0=ab12...`);
    }
    const index = Number(match[1]);
    pcrs[index] = [...(pcrs[index] ?? []), match[2].toLowerCase()];
  }
  return pcrs;
}

function hexFlag(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !isHex(value.replace(/^0x/i, ''))) {
    throw new CliError('CLI_USAGE', `--${name}: expected an even-length hex string`);
  }
  return value;
}

async function loadRoots(paths: readonly string[]): Promise<Cert[]> {
  const roots: Cert[] = [];
  for (const path of paths) {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (cause) {
      throw new CliError('CLI_IO', `cannot read --root ${path}: ${(cause as Error).message}`, { cause });
    }
    const text = data.toString('latin1');
    const found = text.includes('-----BEGIN CERTIFICATE-----') ? pemToDerList(text) : [new Uint8Array(data)];
    if (found.length === 0) throw new CliError('CLI_USAGE', `--root ${path} holds no certificate`);
    roots.push(...found.map((der) => certToDer(der)));
  }
  return roots;
}

async function policyFromFlags(flags: VerifyFlags): Promise<AttestationPolicy> {
  const maxAgeSeconds = flags.maxAge === undefined ? undefined : Number(flags.maxAge);
  if (maxAgeSeconds !== undefined && !(Number.isFinite(maxAgeSeconds) && maxAgeSeconds >= 0)) {
    throw new CliError('CLI_USAGE', '--max-age: expected a number of seconds');
  }
  const roots = flags.root.length > 0 ? await loadRoots(flags.root) : undefined;
  const nonce = hexFlag('nonce', flags.nonce);
  const userData = hexFlag('user-data', flags.userData);
  const publicKey = hexFlag('public-key', flags.publicKey);
  return {
    ...(flags.at === undefined ? {} : { at: parseAt(flags.at) }),
    ...(roots === undefined ? {} : { roots }),
    pcrs: parsePcrs(flags.pcr),
    ...(nonce === undefined ? {} : { nonce }),
    ...(userData === undefined ? {} : { userData }),
    ...(publicKey === undefined ? {} : { publicKey }),
    ...(maxAgeSeconds === undefined ? {} : { maxAgeMs: maxAgeSeconds * 1000 }),
    allowDebug: flags.allowDebug === true,
  };
}

function hexOrNull(bytes: Uint8Array | undefined): string | null {
  return bytes === undefined ? null : bytesToHex(bytes);
}

/** The document's fields as plain JSON. */
export function documentToJson(doc: AttestationDocument): Record<string, unknown> {
  return {
    moduleId: doc.moduleId,
    digest: doc.digest,
    timestamp: doc.timestamp,
    time: new Date(doc.timestamp).toISOString(),
    pcrs: Object.fromEntries([...doc.pcrs].map(([i, v]) => [String(i), bytesToHex(v)])),
    publicKey: hexOrNull(doc.publicKey),
    userData: hexOrNull(doc.userData),
    nonce: hexOrNull(doc.nonce),
  };
}

function printPcrs(doc: AttestationDocument, all: boolean): void {
  for (const [index, value] of doc.pcrs) {
    if (all || value.some((b) => b !== 0))
      process.stdout.write(`  PCR${index.toString().padEnd(2)} ${bytesToHex(value)}\n`);
  }
}

async function verifyCommand(file: string, flags: VerifyFlags): Promise<number> {
  const json = flags.json === true;
  try {
    const policy = await policyFromFlags(flags);
    const bytes = decodeBinaryOrText(await readInput(file));
    const doc = await verifyAttestationDocument(bytes, policy);
    if (json) {
      printJson({
        valid: true,
        ...documentToJson(doc),
        verifiedAt: new Date(doc.verifiedAt).toISOString(),
        path: doc.path,
      });
    } else {
      process.stdout.write(`valid: ${doc.moduleId}, signed ${new Date(doc.timestamp).toISOString()}\n`);
      process.stdout.write(
        `  root ${doc.path[doc.path.length - 1]?.subject} (sha256 ${doc.path[doc.path.length - 1]?.sha256})\n`,
      );
      printPcrs(doc, false);
    }
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, json, { valid: false });
  }
}

async function inspectCommand(file: string, flags: { json?: boolean }): Promise<number> {
  const json = flags.json === true;
  try {
    const bytes = decodeBinaryOrText(await readInput(file));
    const { cose, document } = decodeAttestationDocument(bytes);
    const certificates = [document.certificate, ...document.cabundle].map((der) => {
      try {
        return summarizeCertificate(parseCertificate(der));
      } catch (error) {
        return { error: (error as Error).message };
      }
    });
    if (json) {
      printJson({
        ...documentToJson(document),
        tagged: cose.tagged,
        signatureBytes: cose.signature.byteLength,
        certificates,
      });
      return EXIT.ok;
    }
    process.stdout.write(`module    ${document.moduleId}\n`);
    process.stdout.write(`timestamp ${new Date(document.timestamp).toISOString()} (${document.timestamp})\n`);
    process.stdout.write(`digest    ${document.digest}\n`);
    process.stdout.write(`nonce     ${hexOrNull(document.nonce) ?? '-'}\n`);
    process.stdout.write(`user_data ${hexOrNull(document.userData) ?? '-'}\n`);
    process.stdout.write(`public_key ${hexOrNull(document.publicKey) ?? '-'}\n`);
    process.stdout.write('certificates (leaf first; not verified):\n');
    for (const cert of certificates) {
      process.stdout.write(
        'error' in cert
          ? `  ! ${cert.error}\n`
          : `  ${cert.subject}\n    ${cert.notBefore} .. ${cert.notAfter}\n`,
      );
    }
    process.stdout.write('pcrs:\n');
    printPcrs(document, true);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, json);
  }
}

export function registerAttestationCommands(program: Command, setExit: (code: number) => void): void {
  const attestation = program
    .command('attestation')
    .description('verify and inspect Nitro attestation documents');
  attestation
    .command('verify')
    .description(
      'verify a document: AWS (or --root) provenance, signature, and the expected PCRs, nonce, ...',
    )
    .argument('<file>', 'document file, or - for stdin (raw CBOR, base64 or hex)')
    .option('--at <time>', 'verify at this time: ISO-8601, epoch ms, or "document" (default: now)')
    .option('--root <pem>', 'trust this root instead of the AWS Nitro root (repeatable)', collect, [])
    .option(
      '--pcr <index=hex>',
      'expected PCR value (repeatable; repeat an index to allow several)',
      collect,
      [],
    )
    .option('--nonce <hex>', 'expected nonce')
    .option('--user-data <hex>', 'expected user_data')
    .option('--public-key <hex>', 'expected public_key')
    .option('--max-age <seconds>', 'refuse documents older than this')
    .option('--allow-debug', 'accept debug-mode enclaves (PCR0..2 zero)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: VerifyFlags) => setExit(await verifyCommand(file, flags)));
  attestation
    .command('inspect')
    .description('print the decoded fields, certificates and PCRs without verifying them')
    .argument('<file>', 'document file, or - for stdin (raw CBOR, base64 or hex)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: { json?: boolean }) => setExit(await inspectCommand(file, flags)));
}
