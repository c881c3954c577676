/**
 * The certificate extension OIDs path validation knows (RFC 5280 §4.2.1). Literal here rather than imported from
 * asn1-x509, which would load a whole ASN.1 runtime into every verifier and CLI start for five strings.
 */
export const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
} as const;
