import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { openKmsEnvelope } from './cms/open-envelope.js';

const generateRsaKeyPair = promisify(generateKeyPair);

/** RSA-2048: what KMS expects in the attestation document's `public_key` for `RSAES_OAEP_SHA_256`. */
export const RECIPIENT_KEY_BITS = 2048;

/**
 * The enclave's ephemeral Recipient key pair. The private key lives only in this object's memory (never
 * exported, never logged); the public key goes into the attestation document as SubjectPublicKeyInfo DER.
 */
export class RecipientKeyPair {
  readonly #privateKey: KeyObject;
  /** SubjectPublicKeyInfo DER, as the NSM puts it into the attestation document's `public_key`. */
  readonly publicKeyDer: Uint8Array;

  private constructor(privateKey: KeyObject, publicKey: KeyObject) {
    this.#privateKey = privateKey;
    this.publicKeyDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  }

  static async generate(): Promise<RecipientKeyPair> {
    const { privateKey, publicKey } = await generateRsaKeyPair('rsa', {
      modulusLength: RECIPIENT_KEY_BITS,
      publicExponent: 0x10001,
    });
    return new RecipientKeyPair(privateKey, publicKey);
  }

  /** Opens a `CiphertextForRecipient` addressed to this key pair; throws `CmsError`. */
  open(ciphertextForRecipient: Uint8Array): Uint8Array {
    return openKmsEnvelope(ciphertextForRecipient, {
      privateKey: this.#privateKey,
      publicKeyDer: this.publicKeyDer,
    });
  }

  toJSON(): { publicKeyDer: string } {
    return { publicKeyDer: Buffer.from(this.publicKeyDer).toString('base64') };
  }
}
