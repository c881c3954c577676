import {
  CoseError,
  type ParsedCertificate,
  parseCertificate,
  pemToDerList,
  verifyCoseSign1,
} from '../../attestation/index.js';
import { bytesEqual, bytesToHex } from '../../common/bytes.js';
import { decodeStrictCbor } from '../../common/cbor/index.js';
import { EifError } from './errors.js';
import { certificatePcr } from './pcr.js';

/**
 * The signature section (aws-nitro-enclaves-image-format, `EifSignature`): serde_cbor's encoding of a list of
 * `{ signing_certificate, signature }`, both `Vec<u8>` (written as CBOR arrays of integers, not byte strings):
 * the PEM signing certificate, and an untagged COSE_Sign1 whose payload is the CBOR of
 * `{ register_index: 0, register_value: PCR0 }`. nitro-cli reads only the first entry.
 */
export interface EifSignature {
  readonly certificate: ParsedCertificate;
  /** SHA-384(0^48 || SHA-384(certificate DER)). */
  readonly pcr8: Uint8Array;
  readonly coseSign1: Uint8Array;
}

function malformed(message: string, cause?: unknown): EifError {
  return new EifError('EIF_SIGNATURE_MALFORMED', `the EIF signature section ${message}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A `Vec<u8>` as serde_cbor writes it (array of 0..255), or a byte string from another writer. */
function byteField(entry: ReadonlyMap<unknown, unknown>, key: string): Uint8Array {
  const value = entry.get(key);
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return Uint8Array.from(value as number[]);
  }
  throw malformed(`has no byte field "${key}"`);
}

function decodeCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decodeStrictCbor(bytes);
  } catch (cause) {
    throw malformed(`${what} is not well-formed CBOR: ${(cause as Error).message}`, cause);
  }
}

export function parseEifSignature(section: Uint8Array): EifSignature {
  const list = decodeCbor(section, 'content');
  const first: unknown = Array.isArray(list) ? list[0] : undefined;
  if (!(first instanceof Map)) throw malformed('is not a list of { signing_certificate, signature }');
  const pem = Buffer.from(byteField(first, 'signing_certificate')).toString('latin1');
  const der = pem.includes('-----BEGIN CERTIFICATE-----') ? pemToDerList(pem)[0] : undefined;
  if (der === undefined) throw malformed('holds no PEM signing certificate');
  let certificate: ParsedCertificate;
  try {
    certificate = parseCertificate(der);
  } catch (cause) {
    throw malformed(`holds a signing certificate that does not parse: ${(cause as Error).message}`, cause);
  }
  return { certificate, pcr8: certificatePcr(certificate.der), coseSign1: byteField(first, 'signature') };
}

/**
 * What `nitro-cli describe-eif` reports as the signature check: the COSE_Sign1 verifies with the certificate's key
 * and its payload names PCR0 with the value the image measures.
 */
export async function verifyEifSignature(signature: EifSignature, pcr0: Uint8Array): Promise<void> {
  let payload: Uint8Array;
  try {
    ({ payload } = await verifyCoseSign1(signature.coseSign1, signature.certificate.publicKey));
  } catch (cause) {
    if (cause instanceof CoseError && cause.code === 'COSE_BAD_SIGNATURE') {
      throw new EifError(
        'EIF_SIGNATURE_INVALID',
        "the EIF's PCR0 signature does not verify with the signing certificate's key",
        { cause },
      );
    }
    throw malformed(
      `holds a COSE_Sign1 signature that cannot be checked: ${(cause as Error).message}`,
      cause,
    );
  }
  const info = decodeCbor(payload, "signature's payload");
  if (!(info instanceof Map) || info.get('register_index') !== 0)
    throw malformed('signs something other than PCR0');
  const signed = byteField(info, 'register_value');
  if (!bytesEqual(signed, pcr0)) {
    throw new EifError(
      'EIF_SIGNATURE_MISMATCH',
      'the EIF signature is for another image: it signs a PCR0 the image does not measure',
      { details: { signedPcr0: bytesToHex(signed), measuredPcr0: bytesToHex(pcr0) } },
    );
  }
}

/** nitro-cli refuses to run an image whose signing certificate is outside its validity period at launch. */
export function checkCertificateValidity(certificate: ParsedCertificate, at: number): void {
  const details = {
    subject: certificate.subject,
    notBefore: new Date(certificate.notBefore).toISOString(),
    notAfter: new Date(certificate.notAfter).toISOString(),
    at: new Date(at).toISOString(),
  };
  if (at > certificate.notAfter) {
    throw new EifError(
      'EIF_CERT_EXPIRED',
      `the EIF signing certificate expired at ${details.notAfter}: nitro-cli run-enclave will refuse this image; ` +
        'rebuild it with a current --signing-certificate',
      { details },
    );
  }
  if (at < certificate.notBefore) {
    throw new EifError(
      'EIF_CERT_NOT_YET_VALID',
      `the EIF signing certificate is valid only from ${details.notBefore}: nitro-cli run-enclave will refuse ` +
        "this image until then (check this host's clock)",
      { details },
    );
  }
}
