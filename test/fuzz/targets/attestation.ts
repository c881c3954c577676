/**
 * attestation/ verifyAttestationDocumentSync on document bytes. test/attestation/property.test.ts sweeps every
 * single-byte change of the real documents; this target is the same contract for the longer runs and for the
 * structural mutations (truncations, splices, repeated ranges, blown-up lengths) that sweep does not make.
 */
import {
  AttestationError,
  CertificateCache,
  verifyAttestationDocumentSync,
} from '../../../attestation/index.js';
import { readVector, selfSignedVector, validVectors } from '../../helpers/vectors.js';
import type { FuzzTarget } from '../support/target.js';
import { refusedOrValidSync } from '../support/target.js';

const name = 'attestation';
const cache = new CertificateCache({ maxEntries: 4096 });

export const attestationTarget: FuzzTarget = {
  name,
  parser: 'attestation verifyAttestationDocumentSync (COSE_Sign1, payload, chain, policy)',
  async seeds() {
    const files = [...validVectors, ...(selfSignedVector ? [selfSignedVector] : [])].map((v) => v.file);
    return files.map(readVector);
  },
  run(bytes) {
    refusedOrValidSync(name, [{ type: AttestationError }], () =>
      verifyAttestationDocumentSync(bytes, { at: 'document', allowDebug: true, cache }),
    );
  },
};
