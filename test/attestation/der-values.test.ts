import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, KeyUsage } from '@peculiar/asn1-x509';
import { decode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../attestation/index.js';
import { decodeBasicConstraints, decodeKeyUsage, decodeValidity } from '../../attestation/x509/der-values.js';
import { readVector, validVectors } from '../helpers/vectors.js';

const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const time = (tag: number, text: string) => [tag, text.length, ...Buffer.from(text, 'latin1')];
const validity = (a: number[], b: number[]) => new Uint8Array([0x30, a.length + b.length, ...a, ...b]);

/** Every certificate of the real documents, as DER. */
const realCertificates = validVectors.flatMap((v) => {
  const payload = decode(decode(readVector(v.file))[2]) as {
    certificate: Uint8Array;
    cabundle: Uint8Array[];
  };
  return [payload.certificate, ...payload.cabundle];
});

describe('X.509 value decoders', () => {
  it('agree with asn1-x509 on every certificate of the real AWS documents', () => {
    expect(realCertificates.length).toBeGreaterThanOrEqual(15);
    for (const der of realCertificates) {
      const ours = parseCertificate(der);
      const theirs = AsnConvert.parse(der, Certificate).tbsCertificate;
      expect(ours.notBefore).toBe(theirs.validity.notBefore.getTime().getTime());
      expect(ours.notAfter).toBe(theirs.validity.notAfter.getTime().getTime());
      for (const ext of theirs.extensions ?? []) {
        if (ext.extnID === '2.5.29.19') {
          const bc = AsnConvert.parse(ext.extnValue, BasicConstraints);
          expect(ours.basicConstraints).toEqual({ ca: bc.cA, pathLength: bc.pathLenConstraint });
        }
        if (ext.extnID === '2.5.29.15')
          expect(ours.keyUsage).toBe(AsnConvert.parse(ext.extnValue, KeyUsage).toNumber());
        expect(ours.criticalExtensions.includes(ext.extnID)).toBe(ext.critical);
      }
    }
  });

  it('reads UTCTime with the RFC 5280 century rule and GeneralizedTime', () => {
    expect(decodeValidity(validity(time(0x17, '491231235959Z'), time(0x17, '500101000000Z')))).toEqual({
      notBefore: Date.UTC(2049, 11, 31, 23, 59, 59),
      notAfter: Date.UTC(1950, 0, 1),
    });
    expect(
      decodeValidity(validity(time(0x18, '20500101000000Z'), time(0x18, '99991231235959Z'))).notAfter,
    ).toBe(Date.UTC(9999, 11, 31, 23, 59, 59));
  });

  it('refuses times RFC 5280 does not allow', () => {
    for (const bad of [
      '490230000000Z',
      '4912312359Z',
      '491231235959+0100',
      '491231245959Z',
      '20500101000000.5Z',
    ]) {
      const tag = bad.length > 13 && !bad.includes('+') ? 0x18 : 0x17;
      expect(() => decodeValidity(validity(time(tag, bad), time(0x17, '500101000000Z')))).toThrow(
        /RFC 5280|real date/,
      );
    }
    expect(() => decodeValidity(hex('3000'))).toThrow(/two times/);
    expect(() => decodeValidity(validity(time(0x04, '491231235959Z'), time(0x17, '500101000000Z')))).toThrow(
      /non-time/,
    );
  });

  it('reads basicConstraints with and without cA and pathLen', () => {
    expect(decodeBasicConstraints(hex('3000'))).toEqual({ ca: false, pathLength: undefined });
    expect(decodeBasicConstraints(hex('30030101ff'))).toEqual({ ca: true, pathLength: undefined });
    expect(decodeBasicConstraints(hex('30060101ff020102'))).toEqual({ ca: true, pathLength: 2 });
    expect(() => decodeBasicConstraints(hex('30060101ff0201ff'))).toThrow(/non-negative/);
    expect(() => decodeBasicConstraints(hex('30030c0161'))).toThrow(/unexpected/);
    expect(() => decodeBasicConstraints(hex('0101ff'))).toThrow(/malformed/);
  });

  it('reads keyUsage bits, including decipherOnly in the second byte', () => {
    expect(decodeKeyUsage(hex('03020186'))).toBe(1 | 32 | 64); // digitalSignature, keyCertSign, cRLSign
    expect(decodeKeyUsage(hex('030206c0'))).toBe(1 | 2);
    expect(decodeKeyUsage(hex('0303070080'))).toBe(256);
    expect(() => decodeKeyUsage(hex('030108'))).toThrow(/malformed/);
  });
});
