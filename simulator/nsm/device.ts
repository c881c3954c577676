/**
 * The simulated NSM "hardware": it takes CBOR requests and answers CBOR responses exactly as `/dev/nsm` does, so
 * the enclave's `NsmClient` runs unchanged on top of it. Requests are handled one at a time, as by the device.
 */
import { randomBytes } from 'node:crypto';
import { NSM_LIMITS } from '../../attestation/document/nsm-payload.js';
import { decodeNsmRequest, encodeNsmResponse } from '../../enclave/nsm/codec.js';
import { NsmError } from '../../enclave/nsm/errors.js';
import { NSM_REQUEST_MAX_SIZE, type NsmRequest, type NsmResponse } from '../../enclave/nsm/protocol.js';
import type { NsmTransport } from '../../enclave/nsm/transport.js';
import type { SimulatedCa } from './ca/simulated-ca.js';
import { type PayloadEncoding, signAttestationDocument } from './document.js';
import { type PcrBank, SIMULATED_MAX_PCRS } from './pcr-bank.js';
import { NsmRefusal } from './refusal.js';

/** What DescribeNSM reports as the module's version (the real firmware's numbers are not published). */
export const SIMULATED_NSM_VERSION = { major: 1, minor: 0, patch: 0 } as const;
/** Bytes per GetRandom answer: the NSM gives up to 256. */
export const SIMULATED_RANDOM_BYTES = 256;

export interface SimulatedNsmDeviceParts {
  readonly moduleId: string;
  /** The 16 hex digits after `-enc` in the module id. */
  readonly enclaveId: string;
  readonly bank: PcrBank;
  readonly ca: SimulatedCa;
  /** Milliseconds since the epoch, as an integer. */
  readonly now: () => number;
  readonly payloadEncoding: PayloadEncoding;
}

function checkLimit(value: Uint8Array | null, max: number, field: string): void {
  if (value !== null && value.byteLength > max) {
    throw new NsmRefusal('InputTooLarge', `${field} is ${value.byteLength} bytes, over ${max}`);
  }
}

export class SimulatedNsmDevice implements NsmTransport {
  readonly #parts: SimulatedNsmDeviceParts;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(parts: SimulatedNsmDeviceParts) {
    this.#parts = parts;
  }

  exchange(request: Uint8Array): Promise<Uint8Array> {
    const run = this.#queue.then(() => this.#handle(request));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #handle(bytes: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) throw new NsmError('NSM_CLOSED', 'the simulated NSM was closed');
    // What the driver does before the device sees anything.
    if (bytes.byteLength > NSM_REQUEST_MAX_SIZE) {
      throw new NsmError(
        'NSM_INPUT_TOO_LARGE',
        `the NSM driver refuses requests over ${NSM_REQUEST_MAX_SIZE} bytes (EMSGSIZE)`,
      );
    }
    let request: NsmRequest;
    try {
      request = decodeNsmRequest(bytes);
    } catch (error) {
      if (error instanceof NsmError) return encodeNsmResponse({ type: 'Error', error: 'InvalidArgument' });
      throw error;
    }
    try {
      return encodeNsmResponse(await this.#respond(request));
    } catch (error) {
      if (error instanceof NsmRefusal) return encodeNsmResponse({ type: 'Error', error: error.error });
      throw error;
    }
  }

  async #respond(request: NsmRequest): Promise<NsmResponse> {
    const { bank } = this.#parts;
    switch (request.type) {
      case 'DescribeNSM':
        return {
          type: 'DescribeNSM',
          versionMajor: SIMULATED_NSM_VERSION.major,
          versionMinor: SIMULATED_NSM_VERSION.minor,
          versionPatch: SIMULATED_NSM_VERSION.patch,
          moduleId: this.#parts.moduleId,
          maxPcrs: SIMULATED_MAX_PCRS,
          lockedPcrs: bank.lockedIndexes(),
          digest: 'SHA384',
        };
      case 'DescribePCR': {
        const { locked, value } = bank.describe(request.index);
        return { type: 'DescribePCR', lock: locked, data: value };
      }
      case 'ExtendPCR':
        return { type: 'ExtendPCR', data: bank.extend(request.index, request.data) };
      case 'LockPCR':
        bank.lock(request.index);
        return { type: 'LockPCR' };
      case 'LockPCRs':
        bank.lockRange(request.range);
        return { type: 'LockPCRs' };
      case 'GetRandom':
        return { type: 'GetRandom', random: new Uint8Array(randomBytes(SIMULATED_RANDOM_BYTES)) };
      case 'Attestation':
        return { type: 'Attestation', document: await this.#attest(request) };
    }
  }

  async #attest(request: Extract<NsmRequest, { type: 'Attestation' }>): Promise<Uint8Array> {
    checkLimit(request.userData, NSM_LIMITS.userData, 'user_data');
    checkLimit(request.nonce, NSM_LIMITS.nonce, 'nonce');
    checkLimit(request.publicKey, NSM_LIMITS.publicKey, 'public_key');
    const { moduleId, enclaveId, bank, ca, payloadEncoding } = this.#parts;
    const timestamp = this.#parts.now();
    const pcrs = bank.lockedValues();
    const signer = await ca.documentSigner(moduleId, enclaveId, timestamp);
    return signAttestationDocument(
      {
        moduleId,
        timestamp,
        pcrs,
        userData: request.userData,
        nonce: request.nonce,
        publicKey: request.publicKey,
      },
      signer,
      payloadEncoding,
    );
  }
}
