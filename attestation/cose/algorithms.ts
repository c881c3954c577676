/** The COSE ECDSA algorithms (RFC 9053 §2.1) with what node:crypto needs to verify them. */
export interface EcdsaAlgorithm {
  readonly name: 'ES256' | 'ES384' | 'ES512';
  readonly label: number;
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  /** OpenSSL's name for the curve the key must be on. */
  readonly curve: 'prime256v1' | 'secp384r1' | 'secp521r1';
  /** Length of the raw r||s signature. */
  readonly signatureLength: number;
}

export const ES256: EcdsaAlgorithm = {
  name: 'ES256',
  label: -7,
  hash: 'sha256',
  curve: 'prime256v1',
  signatureLength: 64,
};
export const ES384: EcdsaAlgorithm = {
  name: 'ES384',
  label: -35,
  hash: 'sha384',
  curve: 'secp384r1',
  signatureLength: 96,
};
export const ES512: EcdsaAlgorithm = {
  name: 'ES512',
  label: -36,
  hash: 'sha512',
  curve: 'secp521r1',
  signatureLength: 132,
};

const BY_LABEL = new Map<number, EcdsaAlgorithm>([ES256, ES384, ES512].map((a) => [a.label, a]));

export function ecdsaAlgorithmByLabel(label: number): EcdsaAlgorithm | undefined {
  return BY_LABEL.get(label);
}
