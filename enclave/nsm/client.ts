import { decodeNsmResponse, encodeNsmRequest } from './codec.js';
import { NsmError } from './errors.js';
import type { AttestOptions, Nsm, NsmDescription, PcrState } from './nsm.js';
import {
  NSM_ERROR_CODE_BY_NAME,
  NSM_REQUEST_MAX_SIZE,
  type NsmErrorName,
  type NsmRequest,
  type NsmResponse,
  type NsmResponseType,
} from './protocol.js';
import type { NsmTransport } from './transport.js';

/** Most bytes one `getRandom` call returns: enough to seed any generator, small enough to bound the requests. */
export const NSM_GET_RANDOM_MAX = 65_536;

const ADVICE: Readonly<Record<NsmErrorName, string>> = {
  Success: 'the NSM answered Error(Success), which answers nothing',
  InvalidArgument: "the NSM refused the request's arguments",
  InvalidIndex: "the PCR index is beyond the NSM's PCR bank (describe().maxPcrs, 32 on Nitro)",
  InvalidResponse: 'the NSM says its response did not match the request; retry',
  ReadOnlyIndex:
    'the PCR is locked: PCR0..15 are locked from boot and a locked PCR cannot change; ' +
    "use PCR16..31 for the app's own measurements",
  InvalidOperation: 'the NSM lacks the capability this request needs',
  BufferTooSmall: "the NSM's answer did not fit the response buffer",
  InputTooLarge:
    'an input is too large: user_data, nonce and public_key take at most 1024 bytes each, a whole request 4096',
  InternalError: 'the NSM failed internally; retry, and restart the enclave if it persists',
};

function requestLabel(request: NsmRequest): string {
  if ('index' in request) return `${request.type}(PCR${request.index})`;
  if (request.type === 'LockPCRs') return `LockPCRs(PCR0..${request.range - 1})`;
  return request.type;
}

function deviceError(name: NsmErrorName, request: NsmRequest): NsmError {
  return new NsmError(
    NSM_ERROR_CODE_BY_NAME[name],
    `NSM ${requestLabel(request)} failed: ${ADVICE[name]} (${name})`,
    {
      details: {
        nsmError: name,
        request: request.type,
        ...('index' in request ? { pcr: request.index } : {}),
      },
    },
  );
}

function isResponse<T extends NsmResponseType>(
  response: NsmResponse,
  type: T,
): response is Extract<NsmResponse, { type: T }> {
  return response.type === type;
}

function invalidArgument(message: string): NsmError {
  return new NsmError('NSM_INVALID_ARGUMENT', message);
}

function optionalField(options: AttestOptions, field: keyof AttestOptions): Uint8Array | null {
  const value = options[field];
  if (value === undefined) return null;
  if (!(value instanceof Uint8Array)) throw invalidArgument(`attest: ${field} must be a Uint8Array`);
  return value;
}

/**
 * The `Nsm` interface over any transport: builds each request, sends it, checks that the answer is the
 * response to that request, and turns NSM errors into `NsmError` with the matching code.
 */
export class NsmClient implements Nsm {
  readonly #transport: NsmTransport;
  #closed = false;

  constructor(transport: NsmTransport) {
    this.#transport = transport;
  }

  async describe(): Promise<NsmDescription> {
    const { type: _, ...description } = await this.#call({ type: 'DescribeNSM' }, 'DescribeNSM');
    return description;
  }

  async describePcr(index: number): Promise<PcrState> {
    const response = await this.#call({ type: 'DescribePCR', index }, 'DescribePCR');
    return { locked: response.lock, value: response.data };
  }

  async extendPcr(index: number, data: Uint8Array): Promise<Uint8Array> {
    return (await this.#call({ type: 'ExtendPCR', index, data }, 'ExtendPCR')).data;
  }

  async lockPcr(index: number): Promise<void> {
    await this.#call({ type: 'LockPCR', index }, 'LockPCR');
  }

  async lockPcrs(range: number): Promise<void> {
    await this.#call({ type: 'LockPCRs', range }, 'LockPCRs');
  }

  async getRandom(length: number): Promise<Uint8Array> {
    if (!Number.isInteger(length) || length < 0 || length > NSM_GET_RANDOM_MAX) {
      throw invalidArgument(
        `getRandom length must be an integer in 0..${NSM_GET_RANDOM_MAX}, got ${String(length)}`,
      );
    }
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { random } = await this.#call({ type: 'GetRandom' }, 'GetRandom');
      // An empty answer would loop forever.
      if (random.byteLength === 0)
        throw new NsmError('NSM_INVALID_RESPONSE', 'NSM GetRandom returned no bytes');
      const take = random.subarray(0, length - filled);
      out.set(take, filled);
      filled += take.byteLength;
    }
    return out;
  }

  async attest(options: AttestOptions = {}): Promise<Uint8Array> {
    if (typeof options !== 'object' || options === null)
      throw invalidArgument('attest options must be an object');
    const request: NsmRequest = {
      type: 'Attestation',
      userData: optionalField(options, 'userData'),
      nonce: optionalField(options, 'nonce'),
      publicKey: optionalField(options, 'publicKey'),
    };
    const { document } = await this.#call(request, 'Attestation');
    if (document.byteLength === 0)
      throw new NsmError('NSM_INVALID_RESPONSE', 'NSM Attestation returned no document');
    return document;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#transport.close();
  }

  async #call<T extends NsmResponseType>(
    request: NsmRequest,
    expected: T,
  ): Promise<Extract<NsmResponse, { type: T }>> {
    if (this.#closed)
      throw new NsmError('NSM_CLOSED', `NSM ${request.type}: this NSM handle was closed; open a new one`);
    const bytes = encodeNsmRequest(request);
    // The driver refuses these with EMSGSIZE; fail before the round trip, as the crate does.
    if (bytes.byteLength > NSM_REQUEST_MAX_SIZE) {
      throw new NsmError(
        'NSM_INPUT_TOO_LARGE',
        `NSM ${requestLabel(request)}: the request is ${bytes.byteLength} bytes, over the ${NSM_REQUEST_MAX_SIZE} the driver takes`,
        { details: { requestBytes: bytes.byteLength, max: NSM_REQUEST_MAX_SIZE } },
      );
    }
    const response = decodeNsmResponse(await this.#transport.exchange(bytes));
    if (response.type === 'Error') throw deviceError(response.error, request);
    if (!isResponse(response, expected)) {
      throw new NsmError(
        'NSM_INVALID_RESPONSE',
        `NSM answered ${requestLabel(request)} with a ${response.type} response`,
        { details: { request: request.type, response: response.type } },
      );
    }
    return response;
  }
}
