/**
 * enclave/kms/cms openKmsEnvelope: KMS's CiphertextForRecipient (BER framing, CMS EnvelopedData shape, the
 * recipient, RSAES-OAEP, AES-256-CBC and its padding). Seeds: the real KMS vector, and envelopes the simulated KMS
 * seals to this target's own RSA key so that mutations also reach decryption.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openKmsEnvelope } from '../../../enclave/kms/cms/index.js';
import { CmsError } from '../../../enclave/kms/errors.js';
import { sealForRecipient } from '../../../simulator/kms/recipient/index.js';
import { VECTORS_DIR } from '../../helpers/vectors.js';
import { type FuzzTarget, refusedOrValidSync } from '../support/target.js';

const name = 'cms';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const recipient = {
  privateKey,
  publicKeyDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
};

export const cmsTarget: FuzzTarget = {
  name,
  parser: 'enclave/kms/cms openKmsEnvelope (parseKmsEnvelope, unwrap, decrypt)',
  async seeds() {
    const real = new Uint8Array(readFileSync(join(VECTORS_DIR, 'kms/ciphertext-for-recipient.ber')));
    const sealed = [new Uint8Array(32).fill(9), new Uint8Array(0), new Uint8Array(100).fill(1)].map((p) =>
      sealForRecipient(p, { publicKey, publicKeyDer: recipient.publicKeyDer }),
    );
    return [real, ...sealed];
  },
  run(bytes) {
    // A valid open needs no further check: CBC has no integrity, so a changed IV opens to changed plaintext.
    refusedOrValidSync(name, [{ type: CmsError }], () => openKmsEnvelope(bytes, recipient));
  },
};
