import {
  DecryptCommand,
  GenerateDataKeyCommand,
  GenerateRandomCommand,
  KMSClient,
  type KMSClientConfig,
} from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { egressHttpsAgent } from './egress-agent.js';
import { CmsError, KmsClientError } from './errors.js';
import { kmsClientErrorFrom } from './kms-errors.js';
import { RecipientKeyPair } from './recipient-key-pair.js';

/** Produces an NSM attestation document whose `public_key` is `publicKeyDer` (wired to the NSM later). */
export type AttestFunction = (publicKeyDer: Uint8Array) => Promise<Uint8Array>;

/** Where KMS is and who the enclave is to it. Credentials come from the parent (instance role) or a simulator. */
export interface KmsConnection {
  readonly region: string;
  readonly credentials: NonNullable<KMSClientConfig['credentials']>;
  /** Default: the regional AWS endpoint. */
  readonly endpoint?: string;
  /**
   * On Nitro: the parent's egress relay (e.g. `vsock://3:8000`). Connections go through it and TLS runs inside the
   * enclave, so the parent never sees KMS traffic in clear. Absent: the SDK connects directly (simulator mode).
   */
  readonly egress?: string;
}

export interface EnclaveKmsClientOptions {
  /** An SDK client to use as is, or how to make one. */
  readonly kms: KMSClient | KmsConnection;
  readonly attest: AttestFunction;
  /** Default: a fresh RSA-2048 pair made in enclave memory. */
  readonly keyPair?: RecipientKeyPair;
}

export type EncryptionContext = Readonly<Record<string, string>>;

export interface DecryptRequest {
  readonly ciphertextBlob: Uint8Array;
  readonly encryptionContext?: EncryptionContext;
  /** Key id, key ARN, alias name or alias ARN the ciphertext must belong to. */
  readonly keyId?: string;
}

export interface GenerateDataKeyRequest {
  readonly keyId: string;
  readonly encryptionContext?: EncryptionContext;
  /** `AES_256` (default), `AES_128`, or an exact byte count (1..1024). */
  readonly keySpec?: 'AES_256' | 'AES_128' | { readonly numberOfBytes: number };
}

export interface DataKey {
  /** ARN of the KMS key. */
  readonly keyId: string;
  /** The data key: secret, zero it when done. */
  readonly plaintext: Uint8Array;
  /** The data key encrypted under the KMS key: store it next to the data. */
  readonly ciphertextBlob: Uint8Array;
}

const RECIPIENT_ALGORITHM = 'RSAES_OAEP_SHA_256';

const bytes = z.instanceof(Uint8Array);
/** KMS returns `Plaintext` "null or empty" beside `CiphertextForRecipient`; anything else means no envelope. */
const noPlaintext = bytes.refine((b) => b.byteLength === 0, 'Plaintext must be empty').optional();
const envelope = bytes.refine((b) => b.byteLength > 0, 'CiphertextForRecipient must not be empty');

const decryptResponse = z.object({
  KeyId: z.string().min(1),
  Plaintext: noPlaintext,
  CiphertextForRecipient: envelope,
});
const dataKeyResponse = decryptResponse.extend({ CiphertextBlob: bytes.refine((b) => b.byteLength > 0) });
const randomResponse = z.object({ Plaintext: noPlaintext, CiphertextForRecipient: envelope });

function checkResponse<T>(schema: z.ZodType<T>, response: unknown, operation: string): T {
  const parsed = schema.safeParse(response);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || 'response'}: ${issue.message}`,
  );
  throw new KmsClientError(
    'KMS_RESPONSE_INVALID',
    `KMS ${operation} did not answer with a CiphertextForRecipient only the enclave can open (${fields.join('; ')})`,
  );
}

/**
 * The enclave's KMS client. Every call carries a fresh attestation document binding the enclave's ephemeral RSA
 * key (`Recipient`), so KMS answers with `CiphertextForRecipient` instead of plaintext, and only this enclave can
 * open it: the parent instance relays the bytes but never sees a key.
 *
 * @example
 * const kms = await EnclaveKmsClient.create({ kms: { region, credentials }, attest: (key) => nsm.attest({ publicKey: key }) });
 * const { plaintext, ciphertextBlob } = await kms.generateDataKey({ keyId: 'alias/mpc' });
 */
export class EnclaveKmsClient {
  readonly #kms: KMSClient;
  readonly #ownsClient: boolean;
  readonly #attest: AttestFunction;
  readonly #keyPair: RecipientKeyPair;

  private constructor(
    kms: KMSClient,
    ownsClient: boolean,
    attest: AttestFunction,
    keyPair: RecipientKeyPair,
  ) {
    this.#kms = kms;
    this.#ownsClient = ownsClient;
    this.#attest = attest;
    this.#keyPair = keyPair;
  }

  static async create(options: EnclaveKmsClientOptions): Promise<EnclaveKmsClient> {
    const keyPair = options.keyPair ?? (await RecipientKeyPair.generate());
    if (options.kms instanceof KMSClient)
      return new EnclaveKmsClient(options.kms, false, options.attest, keyPair);
    const { region, credentials, endpoint, egress } = options.kms;
    const kms = new KMSClient({
      region,
      credentials,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(egress === undefined
        ? {}
        : { requestHandler: new NodeHttpHandler({ httpsAgent: egressHttpsAgent(egress) }) }),
    });
    return new EnclaveKmsClient(kms, true, options.attest, keyPair);
  }

  /** SubjectPublicKeyInfo DER of the key the attestation documents carry. */
  get publicKeyDer(): Uint8Array {
    return this.#keyPair.publicKeyDer;
  }

  /** Decrypts a KMS ciphertext blob inside the enclave. Throws `KmsClientError` or `CmsError`. */
  async decrypt(request: DecryptRequest): Promise<{ keyId: string; plaintext: Uint8Array }> {
    const response = await this.#send('Decrypt', async (recipient) =>
      this.#kms.send(
        new DecryptCommand({
          CiphertextBlob: request.ciphertextBlob,
          Recipient: recipient,
          ...(request.encryptionContext === undefined
            ? {}
            : { EncryptionContext: { ...request.encryptionContext } }),
          ...(request.keyId === undefined ? {} : { KeyId: request.keyId }),
        }),
      ),
    );
    const checked = checkResponse(decryptResponse, response, 'Decrypt');
    return { keyId: checked.KeyId, plaintext: this.#open(checked.CiphertextForRecipient) };
  }

  /** A new data key: its plaintext opened in the enclave, its ciphertext blob to store. */
  async generateDataKey(request: GenerateDataKeyRequest): Promise<DataKey> {
    const spec = request.keySpec ?? 'AES_256';
    const response = await this.#send('GenerateDataKey', async (recipient) =>
      this.#kms.send(
        new GenerateDataKeyCommand({
          KeyId: request.keyId,
          Recipient: recipient,
          ...(typeof spec === 'string' ? { KeySpec: spec } : { NumberOfBytes: spec.numberOfBytes }),
          ...(request.encryptionContext === undefined
            ? {}
            : { EncryptionContext: { ...request.encryptionContext } }),
        }),
      ),
    );
    const checked = checkResponse(dataKeyResponse, response, 'GenerateDataKey');
    return {
      keyId: checked.KeyId,
      plaintext: this.#open(checked.CiphertextForRecipient),
      ciphertextBlob: checked.CiphertextBlob,
    };
  }

  /** Random bytes from KMS's HSMs, delivered so that only this enclave sees them. */
  async generateRandom(numberOfBytes: number): Promise<Uint8Array> {
    const response = await this.#send('GenerateRandom', async (recipient) =>
      this.#kms.send(new GenerateRandomCommand({ NumberOfBytes: numberOfBytes, Recipient: recipient })),
    );
    return this.#open(checkResponse(randomResponse, response, 'GenerateRandom').CiphertextForRecipient);
  }

  /** Releases the SDK client if this object made it. */
  close(): void {
    if (this.#ownsClient) this.#kms.destroy();
  }

  async #send<T>(
    operation: string,
    call: (recipient: {
      AttestationDocument: Uint8Array;
      KeyEncryptionAlgorithm: typeof RECIPIENT_ALGORITHM;
    }) => Promise<T>,
  ): Promise<T> {
    let document: Uint8Array;
    try {
      // A fresh document per call: KMS judges its age, and PCR values may have been extended since the last one.
      document = await this.#attest(this.#keyPair.publicKeyDer);
    } catch (cause) {
      throw new KmsClientError('KMS_ATTESTATION_FAILED', `no attestation document for KMS ${operation}`, {
        cause,
      });
    }
    try {
      return await call({ AttestationDocument: document, KeyEncryptionAlgorithm: RECIPIENT_ALGORITHM });
    } catch (error) {
      throw kmsClientErrorFrom(error, operation);
    }
  }

  #open(ciphertextForRecipient: Uint8Array): Uint8Array {
    try {
      return this.#keyPair.open(ciphertextForRecipient);
    } catch (error) {
      if (error instanceof CmsError) throw error;
      throw new CmsError('CMS_MALFORMED', 'CiphertextForRecipient could not be opened', { cause: error });
    }
  }
}
