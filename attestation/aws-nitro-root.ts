/**
 * The AWS Nitro Enclaves Root G1 certificate, as AWS publishes it (AWS_NitroEnclaves_Root-G1.zip, see "Verifying
 * the root of trust" in the Nitro Enclaves User Guide). It is the trust anchor of every real attestation
 * document. It is pinned by its SHA-256 fingerprint too: the module refuses to load if the two disagree.
 */
import { createHash } from 'node:crypto';

export const AWS_NITRO_ROOT_G1_SHA256 = '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b';

export const AWS_NITRO_ROOT_G1_PEM = `-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----
`;

const der = Buffer.from(AWS_NITRO_ROOT_G1_PEM.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
if (createHash('sha256').update(der).digest('hex') !== AWS_NITRO_ROOT_G1_SHA256) {
  throw new Error('the built-in AWS Nitro root certificate does not match its pinned fingerprint');
}

/** DER bytes of the AWS Nitro Enclaves Root G1. */
export const AWS_NITRO_ROOT_G1_DER: Uint8Array = new Uint8Array(der);
