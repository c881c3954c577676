import { createHash } from 'node:crypto';
import { decode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import {
  AttestationError,
  AWS_NITRO_ROOT_G1_SHA256,
  decodeAttestationDocument,
  encodeAttestationPayload,
  verifyAttestationDocument,
} from '../../attestation/index.js';
import { bytesToHex } from '../../common/bytes.js';
import { encodeCbor } from '../../common/cbor/index.js';
import { isDebugVector, readVector, selfSignedVector, validVectors } from '../helpers/vectors.js';

async function rejection(promise: Promise<unknown>): Promise<AttestationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttestationError);
  return error as AttestationError;
}

describe('real AWS attestation documents', () => {
  it('has the vectors it needs', () => {
    expect(validVectors.length).toBeGreaterThanOrEqual(3);
    expect(selfSignedVector).toBeDefined();
  });

  for (const vector of validVectors) {
    describe(vector.file, () => {
      const bytes = readVector(vector.file);
      const pcrs = Object.fromEntries(Object.entries(vector.pcrs).map(([i, v]) => [Number(i), v]));
      const allowDebug = isDebugVector(vector);

      it('is the file the index describes', () => {
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(vector.sha256);
      });

      it('verifies at its own timestamp with all its PCRs, nonce, user_data and public_key as policy', async () => {
        const doc = await verifyAttestationDocument(bytes, {
          at: 'document',
          pcrs,
          allowDebug,
          ...(vector.nonce ? { nonce: vector.nonce } : {}),
          ...(vector.user_data ? { userData: vector.user_data } : {}),
          ...(vector.public_key ? { publicKey: vector.public_key } : {}),
          maxAgeMs: 0,
        });
        expect(doc.moduleId).toBe(vector.module_id);
        expect(doc.timestamp).toBe(vector.timestamp_ms);
        expect(doc.verifiedAt).toBe(vector.timestamp_ms);
        expect(doc.path).toHaveLength(5);
        expect(doc.path[4]?.sha256).toBe(AWS_NITRO_ROOT_G1_SHA256);
        expect(doc.nonce ? bytesToHex(doc.nonce) : null).toBe(vector.nonce);
        expect(doc.userData ? bytesToHex(doc.userData) : null).toBe(vector.user_data);
        expect(doc.publicKey ? bytesToHex(doc.publicKey) : null).toBe(vector.public_key);
      });

      it('verifies at the same instant given as a Date and as epoch ms', async () => {
        await expect(
          verifyAttestationDocument(bytes, { at: new Date(vector.timestamp_ms), allowDebug }),
        ).resolves.toBeDefined();
        await expect(
          verifyAttestationDocument(bytes, { at: vector.timestamp_ms, allowDebug }),
        ).resolves.toBeDefined();
      });

      it('is refused one second after its leaf expires', async () => {
        const at = Date.parse(vector.leaf_not_after) + 1000;
        const error = await rejection(verifyAttestationDocument(bytes, { at, allowDebug }));
        expect(error.code).toBe('ATTESTATION_CERT_EXPIRED');
        expect(error.message).toContain('expired at');
      });

      it('is accepted at the last second of its leaf', async () => {
        const at = Date.parse(vector.leaf_not_after);
        await expect(verifyAttestationDocument(bytes, { at, allowDebug })).resolves.toBeDefined();
      });

      it('is refused one second before its leaf is valid (no clock tolerance)', async () => {
        const at = Date.parse(vector.leaf_not_before) - 1000;
        const error = await rejection(
          verifyAttestationDocument(bytes, { at, allowDebug, clockToleranceMs: 0 }),
        );
        expect(error.code).toBe('ATTESTATION_CERT_NOT_YET_VALID');
      });

      it('is refused today, without a time (the leaf lives three hours)', async () => {
        expect((await rejection(verifyAttestationDocument(bytes, { allowDebug }))).code).toBe(
          'ATTESTATION_CERT_EXPIRED',
        );
      });

      for (const index of Object.keys(vector.pcrs).map(Number)) {
        it(`is refused when PCR${index} is expected to be anything else`, async () => {
          const actual = vector.pcrs[String(index)] ?? '';
          const other = (actual.startsWith('ff') ? '00' : 'ff') + actual.slice(2);
          const error = await rejection(
            verifyAttestationDocument(bytes, {
              at: 'document',
              allowDebug,
              pcrs: { ...pcrs, [index]: other },
            }),
          );
          expect(error.code).toBe('ATTESTATION_PCR_MISMATCH');
          expect(error.details).toMatchObject({ pcr: index, actual, expected: [other] });
        });
      }

      it('accepts a PCR allow-list that contains the actual value', async () => {
        const pcr0 = vector.pcrs['0'] ?? '';
        await expect(
          verifyAttestationDocument(bytes, {
            at: 'document',
            allowDebug,
            pcrs: { 0: ['ab'.repeat(48), pcr0.toUpperCase()] },
          }),
        ).resolves.toBeDefined();
      });

      it('re-encodes to the same payload and COSE bytes (the simulator writes this format)', () => {
        const { cose, document } = decodeAttestationDocument(bytes);
        expect(Buffer.from(encodeAttestationPayload(document)).equals(Buffer.from(cose.payload))).toBe(true);
        const envelope = encodeCbor([cose.protectedBytes, new Map(), cose.payload, cose.signature]);
        expect(Buffer.from(envelope).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(cose.protectedBytes).toString('hex')).toBe('a1013822');
        expect(cose.signature).toHaveLength(96);
        expect(cose.tagged).toBe(false);
      });
    });
  }

  it('refuses the debug-mode document unless allowDebug is set', async () => {
    const debug = validVectors.find(isDebugVector);
    expect(debug).toBeDefined();
    const error = await rejection(
      verifyAttestationDocument(readVector(debug?.file ?? ''), { at: 'document' }),
    );
    expect(error.code).toBe('ATTESTATION_DEBUG_ENCLAVE');
    expect(error.details).toEqual({ pcrs: [0, 1, 2] });
  });

  it('refuses the self-signed non-AWS document as untrusted, at any time', async () => {
    const bytes = readVector(selfSignedVector?.file ?? '');
    for (const at of ['document', Date.parse('2024-06-01T00:00:00Z'), undefined] as const) {
      const error = await rejection(verifyAttestationDocument(bytes, at === undefined ? {} : { at }));
      expect(['ATTESTATION_ROOT_UNTRUSTED', 'ATTESTATION_CHAIN_INVALID']).toContain(error.code);
      expect(error.code).toBe('ATTESTATION_ROOT_UNTRUSTED');
    }
  });

  it('refuses the self-signed document as malformed even when its own leaf is trusted directly', async () => {
    // Trusting it gets it past the path check; its null unprotected header and seconds timestamp remain.
    const bytes = readVector(selfSignedVector?.file ?? '');
    const { certificate } = decodePayload(bytes);
    const error = await rejection(
      verifyAttestationDocument(bytes, { roots: [certificate], at: Date.parse('2024-06-01') }),
    );
    expect(error.code).toBe('ATTESTATION_MALFORMED');
    expect(error.message).toContain('unprotected header');
  });

  it('refuses real documents when the caller trusts only another root', async () => {
    const vector = validVectors[0];
    const selfSigned = decodePayload(readVector(selfSignedVector?.file ?? '')).certificate;
    const error = await rejection(
      verifyAttestationDocument(readVector(vector?.file ?? ''), {
        at: 'document',
        allowDebug: true,
        roots: [selfSigned],
      }),
    );
    expect(error.code).toBe('ATTESTATION_ROOT_UNTRUSTED');
  });
});

function decodePayload(bytes: Uint8Array): { certificate: Uint8Array } {
  // The self-signed vector fails the strict decoder; reach into it with the plain CBOR decoder.
  const envelope = decode(bytes) as Uint8Array[];
  return decode(envelope[2] as Uint8Array) as { certificate: Uint8Array };
}
