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
import {
  type KmsRetryPolicy,
  type ResolvedKmsRetryPolicy,
  resolveKmsRetryPolicy,
  withKmsRetries,
} from './retry.js';

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
  /**
   * Retries on failures another attempt can cure (see `retry.ts`); defaults in `DEFAULT_KMS_RETRY_POLICY`. A given
   * `KMSClient` whose own `maxAttempts` is above 1 keeps its SDK retries and gets none from here (never both).
   */
  readonly retry?: KmsRetryPolicy;
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

/** Where a given SDK client sends its requests, for error messages (no credentials are read). */
async function describeEndpoint(kms: KMSClient): Promise<string> {
  const region = await kms.config.region();
  const endpoint = await kms.config.endpoint?.();
  if (!endpoint) return `the ${region} endpoint`;
  return `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path === '/' ? '' : endpoint.path}`;
}

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
  readonly #retry: ResolvedKmsRetryPolicy;
  /** Where KMS is asked, for errors: an endpoint URL, the egress relay, or the region. */
  readonly #where: string;

  private constructor(
    kms: KMSClient,
    ownsClient: boolean,
    options: EnclaveKmsClientOptions,
    keyPair: RecipientKeyPair,
    retry: ResolvedKmsRetryPolicy,
    where: string,
  ) {
    this.#kms = kms;
    this.#ownsClient = ownsClient;
    this.#attest = options.attest;
    this.#keyPair = keyPair;
    this.#retry = retry;
    this.#where = where;
  }

  static async create(options: EnclaveKmsClientOptions): Promise<EnclaveKmsClient> {
    const retry = resolveKmsRetryPolicy(options.retry);
    const keyPair = options.keyPair ?? (await RecipientKeyPair.generate());
    if (options.kms instanceof KMSClient) {
      const given = options.kms;
      const sdkRetries = (await given.config.maxAttempts()) > 1;
      return new EnclaveKmsClient(
        given,
        false,
        options,
        keyPair,
        sdkRetries ? { ...retry, maxAttempts: 1 } : retry,
        await describeEndpoint(given),
      );
    }
    const { region, credentials, endpoint, egress } = options.kms;
    const kms = new KMSClient({
      region,
      credentials,
      // Retries are ours (withKmsRetries): one attempt per SDK call, so none is retried twice.
      maxAttempts: 1,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(egress === undefined
        ? {}
        : { requestHandler: new NodeHttpHandler({ httpsAgent: egressHttpsAgent(egress) }) }),
    });
    const where = `${endpoint ?? `the ${region} endpoint`}${egress === undefined ? '' : ` via ${egress}`}`;
    return new EnclaveKmsClient(kms, true, options, keyPair, retry, where);
  }

  /** SubjectPublicKeyInfo DER of the key the attestation documents carry. */
  get publicKeyDer(): Uint8Array {
    return this.#keyPair.publicKeyDer;
  }

  /** Decrypts a KMS ciphertext blob inside the enclave. Throws `KmsClientError` or `CmsError`. */
  async decrypt(request: DecryptRequest): Promise<{ keyId: string; plaintext: Uint8Array }> {
    const response = await this.#send('Decrypt', async (recipient, abortSignal) =>
      this.#kms.send(
        new DecryptCommand({
          CiphertextBlob: request.ciphertextBlob,
          Recipient: recipient,
          ...(request.encryptionContext === undefined
            ? {}
            : { EncryptionContext: { ...request.encryptionContext } }),
          ...(request.keyId === undefined ? {} : { KeyId: request.keyId }),
        }),
        { abortSignal },
      ),
    );
    const checked = checkResponse(decryptResponse, response, 'Decrypt');
    return { keyId: checked.KeyId, plaintext: this.#open(checked.CiphertextForRecipient) };
  }

  /** A new data key: its plaintext opened in the enclave, its ciphertext blob to store. */
  async generateDataKey(request: GenerateDataKeyRequest): Promise<DataKey> {
    const spec = request.keySpec ?? 'AES_256';
    const response = await this.#send('GenerateDataKey', async (recipient, abortSignal) =>
      this.#kms.send(
        new GenerateDataKeyCommand({
          KeyId: request.keyId,
          Recipient: recipient,
          ...(typeof spec === 'string' ? { KeySpec: spec } : { NumberOfBytes: spec.numberOfBytes }),
          ...(request.encryptionContext === undefined
            ? {}
            : { EncryptionContext: { ...request.encryptionContext } }),
        }),
        { abortSignal },
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
    const response = await this.#send('GenerateRandom', async (recipient, abortSignal) =>
      this.#kms.send(new GenerateRandomCommand({ NumberOfBytes: numberOfBytes, Recipient: recipient }), {
        abortSignal,
      }),
    );
    return this.#open(checkResponse(randomResponse, response, 'GenerateRandom').CiphertextForRecipient);
  }

  /** Releases the SDK client if this object made it. */
  close(): void {
    if (this.#ownsClient) this.#kms.destroy();
  }

  async #send<T>(
    operation: string,
    call: (
      recipient: {
        AttestationDocument: Uint8Array;
        KeyEncryptionAlgorithm: typeof RECIPIENT_ALGORITHM;
      },
      abortSignal: AbortSignal,
    ) => Promise<T>,
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
    // One document for every attempt: the retries end well within the age KMS accepts.
    const recipient = { AttestationDocument: document, KeyEncryptionAlgorithm: RECIPIENT_ALGORITHM } as const;
    try {
      return await withKmsRetries(operation, this.#retry, (signal) => call(recipient, signal));
    } catch (error) {
      throw kmsClientErrorFrom(error, operation, this.#where);
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
