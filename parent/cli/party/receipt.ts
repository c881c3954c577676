import type { Command } from 'commander';
import { decodeReceipt, verifyReceipt } from '../../../protocol/index.js';
import { EXIT } from '../errors.js';
import { decodeBinaryOrText } from '../input.js';
import { collect, loadManifest, loadRoots, readFlagFile } from './files.js';
import { printOutcome, reportPartyFailure } from './output.js';
import { receiptSummaryJson, receiptSummaryLines } from './receipt-summary.js';

interface VerifyFlags {
  manifest?: string;
  root: string[];
  json?: boolean;
}

async function verify(file: string, flags: VerifyFlags): Promise<void> {
  const receipt = decodeReceipt(decodeBinaryOrText(await readFlagFile('receipt', file)));
  const manifest = flags.manifest === undefined ? undefined : await loadManifest(flags.manifest);
  const roots = await loadRoots(flags.root);
  const summary = await verifyReceipt(receipt, {
    ...(manifest === undefined ? {} : { manifest }),
    ...(roots === undefined ? {} : { roots }),
  });
  const lines = receiptSummaryLines(summary);
  if (manifest === undefined) lines.push('PCRs not checked against a manifest (pass --manifest)');
  printOutcome(flags.json === true, { valid: true, ...receiptSummaryJson(summary) }, lines);
}

export function registerReceiptCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('receipt')
    .description('check result receipts and destruction certificates offline')
    .command('verify')
    .description("verify a receipt: the enclave's attestation, its signature and, with --manifest, the terms")
    .argument('<file>', 'receipt bytes (`--save-receipt`), raw CBOR, hex or base64')
    .option('--manifest <file>', 'check PCRs and terms against this manifest')
    .option('--root <pem>', 'trust this attestation root instead of AWS (repeatable)', collect, [])
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: VerifyFlags) => {
      try {
        await verify(file, flags);
        setExit(EXIT.ok);
      } catch (error) {
        setExit(reportPartyFailure(error, flags.json === true));
      }
    });
}
