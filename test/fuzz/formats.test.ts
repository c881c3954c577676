import { describe } from 'vitest';
import { fuzzes } from './support/property.js';
import { attestationTarget } from './targets/attestation.js';
import { cmsTarget } from './targets/cms.js';
import { eifTarget } from './targets/eif.js';

describe('fuzzing the attestation, CMS and EIF readers', () => {
  // Few runs: test/attestation/property.test.ts already sweeps single-byte changes of the real documents.
  fuzzes(attestationTarget, 300);
  fuzzes(cmsTarget, 300);
  fuzzes(eifTarget, 1000);
});
