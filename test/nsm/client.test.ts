/** The enclave-side client over a scripted transport: what it sends, and how it treats each kind of answer. */
import { describe, expect, it } from 'vitest';
import {
  decodeNsmRequest,
  encodeNsmResponse,
  NSM_ERROR_CODE_BY_NAME,
  NSM_ERROR_NAMES,
  NsmClient,
  NsmError,
  type NsmRequest,
  type NsmResponse,
  type NsmTransport,
} from '../../enclave/nsm/index.js';

/** Answers each request with `answer(request)`, encoded; remembers what it was sent. */
class ScriptedTransport implements NsmTransport {
  readonly sent: NsmRequest[] = [];
  closed = 0;

  constructor(private readonly answer: (request: NsmRequest) => NsmResponse | Uint8Array) {}

  async exchange(bytes: Uint8Array): Promise<Uint8Array> {
    const request = decodeNsmRequest(bytes);
    this.sent.push(request);
    const answer = this.answer(request);
    return answer instanceof Uint8Array ? answer : encodeNsmResponse(answer);
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

async function rejection(promise: Promise<unknown>): Promise<NsmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NsmError);
  return error as NsmError;
}

describe('NsmClient', () => {
  it('sends each operation as its NSM request and returns the decoded answer', async () => {
    const transport = new ScriptedTransport((request) => {
      switch (request.type) {
        case 'DescribePCR':
          return { type: 'DescribePCR', lock: true, data: new Uint8Array(48).fill(request.index) };
        case 'ExtendPCR':
          return { type: 'ExtendPCR', data: new Uint8Array(48).fill(9) };
        case 'Attestation':
          return { type: 'Attestation', document: Uint8Array.of(0x84, 0x40) };
        default:
          return { type: request.type === 'LockPCRs' ? 'LockPCRs' : 'LockPCR' };
      }
    });
    const nsm = new NsmClient(transport);
    expect(await nsm.describePcr(3)).toEqual({ locked: true, value: new Uint8Array(48).fill(3) });
    expect(await nsm.extendPcr(17, Uint8Array.of(1))).toEqual(new Uint8Array(48).fill(9));
    await nsm.lockPcr(17);
    await nsm.lockPcrs(20);
    const nonce = Uint8Array.of(5, 6);
    expect(await nsm.attest({ nonce })).toEqual(Uint8Array.of(0x84, 0x40));
    expect(transport.sent).toEqual([
      { type: 'DescribePCR', index: 3 },
      { type: 'ExtendPCR', index: 17, data: Uint8Array.of(1) },
      { type: 'LockPCR', index: 17 },
      { type: 'LockPCRs', range: 20 },
      { type: 'Attestation', userData: null, nonce, publicKey: null },
    ]);
  });

  it('maps every NSM error to its code, naming the request and the PCR', async () => {
    for (const name of NSM_ERROR_NAMES) {
      const nsm = new NsmClient(new ScriptedTransport(() => ({ type: 'Error', error: name })));
      const error = await rejection(nsm.extendPcr(7, Uint8Array.of(1)));
      expect(error.code).toBe(NSM_ERROR_CODE_BY_NAME[name]);
      expect(error.message).toContain(`ExtendPCR(PCR7)`);
      expect(error.message).toContain(`(${name})`);
      expect(error.details).toMatchObject({ nsmError: name, request: 'ExtendPCR', pcr: 7 });
    }
    expect(NSM_ERROR_CODE_BY_NAME.ReadOnlyIndex).toBe('NSM_PCR_LOCKED');
    expect(NSM_ERROR_CODE_BY_NAME.InputTooLarge).toBe('NSM_INPUT_TOO_LARGE');
  });

  it('refuses an answer to another request', async () => {
    const nsm = new NsmClient(new ScriptedTransport(() => ({ type: 'LockPCRs' })));
    const error = await rejection(nsm.lockPcr(16));
    expect(error.code).toBe('NSM_INVALID_RESPONSE');
    expect(error.details).toEqual({ request: 'LockPCR', response: 'LockPCRs' });
  });

  it('passes malformed device bytes on as NSM_MALFORMED_RESPONSE', async () => {
    const nsm = new NsmClient(new ScriptedTransport(() => Uint8Array.of(0xff)));
    expect((await rejection(nsm.describe())).code).toBe('NSM_MALFORMED_RESPONSE');
  });

  it('refuses requests the driver would refuse before sending them', async () => {
    const transport = new ScriptedTransport(() => ({ type: 'ExtendPCR', data: new Uint8Array(48) }));
    const nsm = new NsmClient(transport);
    // {"ExtendPCR": {"index": 16, "data": h'…'}} costs 27 bytes around the data.
    const error = await rejection(nsm.extendPcr(16, new Uint8Array(4096 - 26)));
    expect(error.code).toBe('NSM_INPUT_TOO_LARGE');
    expect(error.details).toEqual({ requestBytes: 4097, max: 4096 });
    expect(transport.sent).toHaveLength(0);
    await nsm.extendPcr(16, new Uint8Array(4096 - 27));
    expect(transport.sent).toHaveLength(1);
  });

  it('refuses arguments that cannot be sent', async () => {
    const nsm = new NsmClient(new ScriptedTransport(() => ({ type: 'LockPCR' })));
    expect((await rejection(nsm.lockPcr(70_000))).code).toBe('NSM_INVALID_ARGUMENT');
    expect((await rejection(nsm.describePcr(Number.NaN))).code).toBe('NSM_INVALID_ARGUMENT');
    expect((await rejection(nsm.attest({ nonce: 'abc' as unknown as Uint8Array }))).code).toBe(
      'NSM_INVALID_ARGUMENT',
    );
    expect((await rejection(nsm.getRandom(-1))).code).toBe('NSM_INVALID_ARGUMENT');
    expect((await rejection(nsm.getRandom(65_537))).code).toBe('NSM_INVALID_ARGUMENT');
  });

  it('getRandom asks as many times as needed and returns exactly the length', async () => {
    let counter = 0;
    const transport = new ScriptedTransport(() => ({
      type: 'GetRandom',
      random: new Uint8Array(256).fill(++counter),
    }));
    const random = await new NsmClient(transport).getRandom(600);
    expect(random).toHaveLength(600);
    expect(transport.sent).toHaveLength(3);
    expect([random[0], random[256], random[512], random[599]]).toEqual([1, 2, 3, 3]);
    expect(await new NsmClient(transport).getRandom(0)).toHaveLength(0);
    expect(transport.sent).toHaveLength(3);
  });

  it('getRandom fails instead of looping on an empty answer', async () => {
    const nsm = new NsmClient(
      new ScriptedTransport(() => ({ type: 'GetRandom', random: new Uint8Array(0) })),
    );
    expect((await rejection(nsm.getRandom(1))).code).toBe('NSM_INVALID_RESPONSE');
  });

  it('refuses an empty attestation document', async () => {
    const nsm = new NsmClient(
      new ScriptedTransport(() => ({ type: 'Attestation', document: new Uint8Array(0) })),
    );
    expect((await rejection(nsm.attest())).code).toBe('NSM_INVALID_RESPONSE');
  });

  it('fails with NSM_CLOSED after close, which closes the transport once', async () => {
    const transport = new ScriptedTransport(() => ({ type: 'LockPCR' }));
    const nsm = new NsmClient(transport);
    await nsm.close();
    await nsm.close();
    expect(transport.closed).toBe(1);
    expect((await rejection(nsm.lockPcr(16))).code).toBe('NSM_CLOSED');
    expect(transport.sent).toHaveLength(0);
  });
});
