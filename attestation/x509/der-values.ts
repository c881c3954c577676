/**
 * Decoders for the three small X.509 values path validation reads on every certificate: Validity, basicConstraints
 * and keyUsage. asn1-schema parses each in tens of microseconds; with five certificates a document that was 8% of
 * a cold verification, so these few DER shapes are read directly (RFC 5280 §4.1.2.5, §4.2.1.9, §4.2.1.3).
 */
import { derChildren, derContents, readDerElement } from '../../common/der.js';
import { CertificateParseError } from './certificate-errors.js';

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  sequence: 0x30,
  utcTime: 0x17,
  generalizedTime: 0x18,
};

function whole(bytes: Uint8Array, tag: number, what: string) {
  const element = readDerElement(bytes, 0);
  if (element.tag !== tag || element.end !== bytes.length)
    throw new CertificateParseError(`${what} is malformed`);
  return element;
}

/** UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`, the only forms RFC 5280 allows. */
function decodeTime(bytes: Uint8Array, tag: number): number {
  const text = Buffer.from(bytes).toString('latin1');
  const match =
    tag === TAG.utcTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) throw new CertificateParseError(`certificate time "${text}" is not in RFC 5280 form`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // RFC 5280 §4.1.2.5.1: two-digit years 50..99 are 19xx, 00..49 are 20xx.
  const year = tag === TAG.utcTime ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new CertificateParseError(`certificate time "${text}" is not a real date`);
  }
  return ms;
}

export function decodeValidity(bytes: Uint8Array): { notBefore: number; notAfter: number } {
  const [notBefore, notAfter, extra] = derChildren(bytes, whole(bytes, TAG.sequence, 'validity'));
  if (!notBefore || !notAfter || extra) throw new CertificateParseError('validity is not two times');
  for (const t of [notBefore, notAfter]) {
    if (t.tag !== TAG.utcTime && t.tag !== TAG.generalizedTime)
      throw new CertificateParseError('validity holds a non-time');
  }
  return {
    notBefore: decodeTime(derContents(bytes, notBefore), notBefore.tag),
    notAfter: decodeTime(derContents(bytes, notAfter), notAfter.tag),
  };
}

export function decodeBasicConstraints(bytes: Uint8Array): { ca: boolean; pathLength: number | undefined } {
  const fields = derChildren(bytes, whole(bytes, TAG.sequence, 'basicConstraints'));
  let ca = false;
  let pathLength: number | undefined;
  let at = 0;
  const first = fields[at];
  if (first?.tag === TAG.boolean) {
    const value = derContents(bytes, first);
    if (value.length !== 1) throw new CertificateParseError('basicConstraints cA is not a BOOLEAN');
    ca = value[0] !== 0;
    at++;
  }
  const second = fields[at];
  if (second?.tag === TAG.integer) {
    const value = derContents(bytes, second);
    if (value.length === 0 || value.length > 4 || ((value[0] as number) & 0x80) !== 0) {
      throw new CertificateParseError(
        'basicConstraints pathLenConstraint is not a small non-negative INTEGER',
      );
    }
    pathLength = value.reduce((n, b) => n * 256 + b, 0);
    at++;
  }
  if (at !== fields.length) throw new CertificateParseError('basicConstraints has unexpected fields');
  return { ca, pathLength };
}

/** KeyUsage as a bit mask with bit i for named bit i (digitalSignature = 1, keyCertSign = 32, ...). */
export function decodeKeyUsage(bytes: Uint8Array): number {
  const value = derContents(bytes, whole(bytes, TAG.bitString, 'keyUsage'));
  const unused = value[0];
  if (unused === undefined || unused > 7 || value.length > 3)
    throw new CertificateParseError('keyUsage is malformed');
  let mask = 0;
  for (let bit = 0; bit < (value.length - 1) * 8; bit++) {
    if (((value[1 + (bit >> 3)] as number) & (0x80 >> (bit & 7))) !== 0) mask |= 1 << bit;
  }
  return mask;
}
