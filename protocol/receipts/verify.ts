import type { AttestationPolicy } from '../../attestation/policy.js';
import { bytesEqual, bytesToHex } from '../../common/bytes.js';
import { verifyBoundAttestation } from '../binding/verify-session-attestation.js';
import { ProtocolError } from '../errors.js';
import { type Manifest, manifestPcrPolicy, type ResultView, sessionIdOf } from '../manifest/manifest.js';
import type { SigningPublicKey } from '../signing/keys.js';
import { assertProtocolSignature } from '../signing/signatures.js';
import type { InputCommitment, Receipt } from './schema.js';
import { decodeReceipt, parseReceipt, receiptContext } from './sign.js';

/**
 * How to check a receipt offline. `at` defaults to `'document'` (the attestation's own time): receipts are kept
 * long after the enclave's certificate (about three hours) expired. With `manifest`, its PCRs replace `pcrs` and
 * the receipt must agree with it; without either, the enclave's PCRs are not checked (read them in the summary).
 */
export type ReceiptVerificationPolicy = Omit<AttestationPolicy, 'userData' | 'nonce' | 'publicKey'> & {
  readonly manifest?: Manifest;
};

export interface InputCommitmentSummary {
  readonly inputName: string;
  readonly partyId: string;
  readonly round: number;
  readonly commitment: string;
}

interface SummaryBase {
  readonly sessionId: string;
  readonly enclaveSigningKey: SigningPublicKey;
  readonly attestation: {
    readonly moduleId: string;
    readonly timestamp: number;
    readonly pcrs: Readonly<Record<number, string>>;
  };
}

export interface ResultReceiptSummary extends SummaryBase {
  readonly kind: 'result';
  readonly round: number;
  readonly recipient: string;
  readonly view: ResultView;
  readonly delivery: 'encrypted' | 'clear';
  readonly inputCommitments: readonly InputCommitmentSummary[];
  readonly issuedAt: number;
}

export interface DestructionCertificateSummary extends SummaryBase {
  readonly kind: 'destruction';
  readonly destroyed: readonly InputCommitmentSummary[];
  readonly destroyedAt: number;
  readonly method: string;
  readonly reason: 'completed' | 'aborted' | 'expired';
}

export type ReceiptSummary = ResultReceiptSummary | DestructionCertificateSummary;

function invalid(message: string): ProtocolError {
  return new ProtocolError('RECEIPT_INVALID', message);
}

function sameView(a: ResultView, b: ResultView): boolean {
  return a === 'full' || b === 'full' ? a === b : a.partial === b.partial;
}

function checkCommitments(manifest: Manifest, commitments: readonly InputCommitment[]): void {
  const seen = new Set<string>();
  for (const c of commitments) {
    const spec = manifest.inputs.find((i) => i.name === c.inputName);
    if (spec === undefined || spec.provider !== c.partyId || c.round > manifest.rounds) {
      throw invalid(
        `commitment for "${c.inputName}" by "${c.partyId}" in round ${c.round} is not in the manifest`,
      );
    }
    const key = `${c.inputName}\u0000${c.partyId}\u0000${c.round}`;
    if (seen.has(key)) throw invalid(`input "${c.inputName}" round ${c.round} is committed to twice`);
    seen.add(key);
  }
}

function checkAgainstManifest(receipt: Receipt, manifest: Manifest): void {
  if (!bytesEqual(receipt.body.sessionId, sessionIdOf(manifest))) {
    throw invalid('the receipt is for another session than this manifest');
  }
  if (receipt.body.kind === 'destruction') {
    checkCommitments(manifest, receipt.body.destroyed);
    return;
  }
  const body = receipt.body;
  const recipient = manifest.recipients.find((r) => r.party === body.recipient);
  if (recipient === undefined) throw invalid(`"${body.recipient}" is not a result recipient in the manifest`);
  if (!sameView(recipient.view, body.view)) throw invalid(`"${body.recipient}" may not see this view`);
  if (recipient.delivery !== body.result.delivery) {
    throw invalid(`the manifest says ${recipient.delivery} delivery for "${body.recipient}"`);
  }
  if (body.round > manifest.rounds)
    throw invalid(`round ${body.round} exceeds the manifest's ${manifest.rounds}`);
  checkCommitments(manifest, body.inputCommitments);
}

const summarize = (c: InputCommitment): InputCommitmentSummary => ({
  inputName: c.inputName,
  partyId: c.partyId,
  round: c.round,
  commitment: bytesToHex(c.commitment),
});

/**
 * Checks a result receipt or destruction certificate offline: shape, the attestation document (provenance, PCRs,
 * and that its user_data binds this session and a signing key), the enclave's signature with that key, and,
 * given a manifest, agreement with it. Attestation failures keep their `ATTESTATION_*` codes; the others are
 * `RECEIPT_INVALID`, `ATTESTATION_BINDING_INVALID` and `SIGNATURE_INVALID`.
 */
export async function verifyReceipt(
  receipt: Uint8Array | unknown,
  policy: ReceiptVerificationPolicy,
): Promise<ReceiptSummary> {
  const parsed = receipt instanceof Uint8Array ? decodeReceipt(receipt) : parseReceipt(receipt);
  const { manifest, ...attestationPolicy } = policy;
  const bound = await verifyBoundAttestation(parsed.attestation, parsed.body.sessionId, {
    ...attestationPolicy,
    at: attestationPolicy.at ?? 'document',
    ...(manifest === undefined ? {} : { pcrs: manifestPcrPolicy(manifest) }),
  });
  assertProtocolSignature(
    receiptContext(parsed.body.kind),
    parsed.body,
    parsed.signature,
    bound.enclaveSigningKey,
    parsed.body.kind === 'result' ? 'result receipt' : 'destruction certificate',
  );
  if (manifest !== undefined) checkAgainstManifest(parsed, manifest);
  const base: SummaryBase = {
    sessionId: bytesToHex(parsed.body.sessionId),
    enclaveSigningKey: bound.enclaveSigningKey,
    attestation: {
      moduleId: bound.document.moduleId,
      timestamp: bound.document.timestamp,
      pcrs: Object.fromEntries([...bound.document.pcrs].map(([i, v]) => [i, bytesToHex(v)])),
    },
  };
  const body = parsed.body;
  if (body.kind === 'result') {
    return {
      ...base,
      kind: 'result',
      round: body.round,
      recipient: body.recipient,
      view: body.view,
      delivery: body.result.delivery,
      inputCommitments: body.inputCommitments.map(summarize),
      issuedAt: body.issuedAt,
    };
  }
  return {
    ...base,
    kind: 'destruction',
    destroyed: body.destroyed.map(summarize),
    destroyedAt: body.destroyedAt,
    method: body.method,
    reason: body.reason,
  };
}
