/** protocol/receipts verifyReceipt on bytes: canonical CBOR, schema, bound attestation, signature, manifest. */
import { AttestationError, CertificateCache } from '../../../attestation/index.js';
import { bytesToHex } from '../../../common/bytes.js';
import { ProtocolError, sessionIdOf, verifyReceipt } from '../../../protocol/index.js';
import { protocolFixtures } from '../support/fixtures.js';
import { check, type FuzzTarget, refusedOrValid } from '../support/target.js';

const name = 'receipt';
const refusals = [
  { type: AttestationError },
  {
    type: ProtocolError,
    codes: [
      'RECEIPT_INVALID',
      'ATTESTATION_BINDING_INVALID',
      'SIGNATURE_INVALID',
      'KEY_INVALID',
      'ENCODING_INVALID',
    ],
  },
];
// Unchanged certificates are parsed once; changed ones are parsed and verified afresh.
const cache = new CertificateCache({ maxEntries: 1024 });

export const receiptTarget: FuzzTarget = {
  name,
  parser: 'protocol/receipts verifyReceipt (result receipts, destruction certificates)',
  async seeds() {
    const f = await protocolFixtures();
    return [f.receipt, f.certificate];
  },
  async run(bytes) {
    const f = await protocolFixtures();
    const roots = [f.world.nsm.rootCertificate.der];
    const summary = await refusedOrValid(name, refusals, () =>
      verifyReceipt(bytes, { roots, manifest: f.manifest, cache }),
    );
    if (summary === undefined) return;
    check(name, summary.sessionId === bytesToHex(sessionIdOf(f.manifest)), 'a receipt for another session');
  },
};
