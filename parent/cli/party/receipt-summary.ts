import type { ReceiptSummary } from '../../../protocol/index.js';
import { toJsonValue } from './output.js';

/** A verified receipt's summary as JSON (it holds commitments and keys, never plaintext). */
export function receiptSummaryJson(summary: ReceiptSummary): Record<string, unknown> {
  return toJsonValue(summary) as Record<string, unknown>;
}

export function receiptSummaryLines(summary: ReceiptSummary): string[] {
  const head = `session ${summary.sessionId}, signed by the enclave attested as ${summary.attestation.moduleId}`;
  if (summary.kind === 'result') {
    return [
      `valid result receipt for ${summary.recipient} (round ${summary.round}, ${summary.delivery})`,
      head,
      `issued ${new Date(summary.issuedAt).toISOString()}; ${summary.inputCommitments.length} inputs committed:`,
      ...summary.inputCommitments.map(
        (c) => `  ${c.inputName} (${c.partyId}, round ${c.round}) ${c.commitment}`,
      ),
    ];
  }
  return [
    `valid destruction certificate (${summary.reason}, ${summary.method})`,
    head,
    `destroyed ${new Date(summary.destroyedAt).toISOString()}; ${summary.destroyed.length} inputs:`,
    ...summary.destroyed.map((c) => `  ${c.inputName} (${c.partyId}, round ${c.round}) ${c.commitment}`),
  ];
}
