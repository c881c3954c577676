import { NitroMpcError } from '../../common/errors.js';
import { PersistenceError } from './errors.js';
import type { JournalStore } from './journal-store.js';

/** The KMS calls the seal key needs; `EnclaveKmsClient` provides them, always with `Recipient`. */
export interface SealKeyKms {
  generateDataKey(request: {
    keyId: string;
    encryptionContext: Readonly<Record<string, string>>;
  }): Promise<{ plaintext: Uint8Array; ciphertextBlob: Uint8Array }>;
  decrypt(request: {
    ciphertextBlob: Uint8Array;
    keyId: string;
    encryptionContext: Readonly<Record<string, string>>;
  }): Promise<{ plaintext: Uint8Array }>;
}

/** Names the purpose in KMS's audit trail (CloudTrail) and binds the ciphertext to it. */
export const SEAL_KEY_CONTEXT = { 'nitro-mpc:purpose': 'enclave-state-seal' } as const;

/**
 * The enclave's seal key: made by KMS at first start (GenerateDataKey) and kept by the parent only as KMS
 * ciphertext; at every later start KMS releases it again (Decrypt). Both go through `Recipient`, so the key
 * policy decides which enclave images (PCRs) ever see it: another image cannot open this image's state.
 */
export async function obtainSealKey(
  store: JournalStore,
  kms: SealKeyKms,
  keyId: string,
): Promise<Uint8Array> {
  const stored = await store.readSealKey();
  if (stored !== undefined) return unwrap(kms, keyId, stored);
  const made = await wrapKms(() => kms.generateDataKey({ keyId, encryptionContext: SEAL_KEY_CONTEXT }));
  try {
    await store.writeSealKey(made.ciphertextBlob);
  } catch (error) {
    made.plaintext.fill(0);
    // Another start stored one first: use that one, so every record is sealed under one key.
    if (error instanceof NitroMpcError && error.code === 'STORE_KEY_EXISTS') {
      const winner = await store.readSealKey();
      if (winner !== undefined) return unwrap(kms, keyId, winner);
    }
    throw error;
  }
  return made.plaintext;
}

async function unwrap(kms: SealKeyKms, keyId: string, blob: Uint8Array): Promise<Uint8Array> {
  const { plaintext } = await wrapKms(() =>
    kms.decrypt({ ciphertextBlob: blob, keyId, encryptionContext: SEAL_KEY_CONTEXT }),
  );
  if (plaintext.byteLength !== 32) {
    plaintext.fill(0);
    throw new PersistenceError(
      'STATE_UNAVAILABLE',
      `KMS returned a ${plaintext.byteLength}-byte seal key, not 32`,
    );
  }
  return plaintext;
}

async function wrapKms<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = error instanceof NitroMpcError ? error.code : 'UNKNOWN';
    throw new PersistenceError(
      'STATE_UNAVAILABLE',
      `KMS did not release the seal key (${code}): check that the key policy admits this enclave's PCRs ` +
        'and that KMS is reachable',
      { cause: error },
    );
  }
}
