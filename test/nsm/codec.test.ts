/**
 * The NSM's wire format, checked against bytes derived by hand from aws-nitro-enclaves-nsm-api's definitions
 * (serde_cbor, externally tagged enums, fields in declaration order, `Option` as null) and from the Linux
 * driver's own hard-coded GetRandom exchange.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeNsmRequest,
  decodeNsmResponse,
  encodeNsmRequest,
  encodeNsmResponse,
  NSM_ERROR_NAMES,
  NsmError,
  type NsmRequest,
  type NsmResponse,
} from '../../enclave/nsm/index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
/** A CBOR text string (head + UTF-8; the tests need lengths below 256), for readable golden vectors. */
const text = (s: string) =>
  (s.length < 24 ? (0x60 + s.length).toString(16) : `78${s.length.toString(16).padStart(2, '0')}`) +
  Buffer.from(s).toString('hex');

function thrown(fn: () => unknown): NsmError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NsmError);
    return error as NsmError;
  }
  throw new Error('expected an NsmError');
}

describe('request encoding (golden bytes)', () => {
  const cases: ReadonlyArray<readonly [string, NsmRequest, string]> = [
    ['unit variant as its name', { type: 'DescribeNSM' }, text('DescribeNSM')],
    // The exact bytes the Linux driver sends for its hwrng: 69 "GetRandom".
    ['GetRandom as the driver sends it', { type: 'GetRandom' }, '6947657452616e646f6d'],
    [
      'ExtendPCR: map(1) name -> map(2) index, data',
      { type: 'ExtendPCR', index: 16, data: Uint8Array.of(1, 2, 3) },
      `a1 ${text('ExtendPCR')} a2 ${text('index')} 10 ${text('data')} 43 010203`,
    ],
    [
      'DescribePCR with a two-byte u16',
      { type: 'DescribePCR', index: 0xffff },
      `a1 ${text('DescribePCR')} a1 ${text('index')} 19 ffff`,
    ],
    ['LockPCR', { type: 'LockPCR', index: 20 }, `a1 ${text('LockPCR')} a1 ${text('index')} 14`],
    [
      'LockPCRs with a one-byte u16',
      { type: 'LockPCRs', range: 32 },
      `a1 ${text('LockPCRs')} a1 ${text('range')} 18 20`,
    ],
    [
      'Attestation: absent Options are null, fields in declaration order',
      { type: 'Attestation', userData: null, nonce: Uint8Array.of(0xaa, 0xbb), publicKey: null },
      `a1 ${text('Attestation')} a3 ${text('user_data')} f6 ${text('nonce')} 42 aabb ${text('public_key')} f6`,
    ],
    [
      'Attestation with a 300-byte user_data (two-byte length head)',
      { type: 'Attestation', userData: new Uint8Array(300).fill(1), nonce: null, publicKey: null },
      `a1 ${text('Attestation')} a3 ${text('user_data')} 59 012c ${'01'.repeat(300)} ${text('nonce')} f6 ${text('public_key')} f6`,
    ],
  ];
  it.each(cases)('%s', (_, request, golden) => {
    expect(hex(encodeNsmRequest(request))).toBe(golden.replace(/\s+/g, ''));
    expect(decodeNsmRequest(fromHex(golden))).toEqual(request);
  });

  it('refuses values the crate cannot carry (u16 indexes, bytes)', () => {
    expect(thrown(() => encodeNsmRequest({ type: 'DescribePCR', index: 65_536 })).code).toBe(
      'NSM_INVALID_ARGUMENT',
    );
    expect(thrown(() => encodeNsmRequest({ type: 'LockPCR', index: -1 })).code).toBe('NSM_INVALID_ARGUMENT');
    expect(thrown(() => encodeNsmRequest({ type: 'LockPCRs', range: 1.5 })).code).toBe(
      'NSM_INVALID_ARGUMENT',
    );
    const notBytes = 'abc' as unknown as Uint8Array;
    expect(thrown(() => encodeNsmRequest({ type: 'ExtendPCR', index: 16, data: notBytes })).code).toBe(
      'NSM_INVALID_ARGUMENT',
    );
  });
});

describe('response decoding (golden bytes)', () => {
  const cases: ReadonlyArray<readonly [string, string, NsmResponse]> = [
    [
      // The prefix the Linux driver checks byte for byte before reading random bytes.
      'GetRandom as the driver parses it',
      `a1 ${text('GetRandom')} a1 ${text('random')} 44 01020304`,
      { type: 'GetRandom', random: Uint8Array.of(1, 2, 3, 4) },
    ],
    ['LockPCR (unit)', text('LockPCR'), { type: 'LockPCR' }],
    ['LockPCRs (unit)', text('LockPCRs'), { type: 'LockPCRs' }],
    [
      'DescribePCR: lock then data',
      `a1 ${text('DescribePCR')} a2 ${text('lock')} f5 ${text('data')} 42 0102`,
      { type: 'DescribePCR', lock: true, data: Uint8Array.of(1, 2) },
    ],
    [
      'ExtendPCR',
      `a1 ${text('ExtendPCR')} a1 ${text('data')} 41 ff`,
      { type: 'ExtendPCR', data: Uint8Array.of(0xff) },
    ],
    [
      'DescribeNSM: seven fields, locked_pcrs an array, digest a unit enum',
      `a1 ${text('DescribeNSM')} a7 ${text('version_major')} 01 ${text('version_minor')} 00 ${text('version_patch')} 02 ` +
        `${text('module_id')} ${text('i-0123456789abcdef0-enc0123456789abcdef')} ${text('max_pcrs')} 18 20 ` +
        `${text('locked_pcrs')} 83 00 01 02 ${text('digest')} ${text('SHA384')}`,
      {
        type: 'DescribeNSM',
        versionMajor: 1,
        versionMinor: 0,
        versionPatch: 2,
        moduleId: 'i-0123456789abcdef0-enc0123456789abcdef',
        maxPcrs: 32,
        lockedPcrs: [0, 1, 2],
        digest: 'SHA384',
      },
    ],
    [
      'Attestation with a document',
      `a1 ${text('Attestation')} a1 ${text('document')} 43 840102`,
      { type: 'Attestation', document: Uint8Array.of(0x84, 1, 2) },
    ],
    [
      'Error: a newtype variant holding the ErrorCode name',
      `a1 ${text('Error')} ${text('InvalidIndex')}`,
      {
        type: 'Error',
        error: 'InvalidIndex',
      },
    ],
  ];
  it.each(cases)('%s', (_, golden, response) => {
    expect(decodeNsmResponse(fromHex(golden))).toEqual(response);
    expect(hex(encodeNsmResponse(response))).toBe(golden.replace(/\s+/g, ''));
  });

  it('decodes every NSM error code', () => {
    for (const name of NSM_ERROR_NAMES) {
      expect(decodeNsmResponse(fromHex(`a1 ${text('Error')} ${text(name)}`))).toEqual({
        type: 'Error',
        error: name,
      });
    }
  });

  it('ignores unknown fields, as serde does, but requires the known ones', () => {
    const extra = `a1 ${text('Attestation')} a2 ${text('document')} 41 01 ${text('extra')} 01`;
    expect(decodeNsmResponse(fromHex(extra))).toEqual({ type: 'Attestation', document: Uint8Array.of(1) });
    const missing = `a1 ${text('DescribePCR')} a1 ${text('lock')} f4`;
    expect(thrown(() => decodeNsmResponse(fromHex(missing))).code).toBe('NSM_MALFORMED_RESPONSE');
  });

  it('returns byte fields that do not alias the input', () => {
    const input = fromHex(`a1 ${text('ExtendPCR')} a1 ${text('data')} 41 07`);
    const response = decodeNsmResponse(input);
    input.fill(0);
    expect(response).toEqual({ type: 'ExtendPCR', data: Uint8Array.of(7) });
  });
});

describe('malformed responses are typed errors', () => {
  const malformed: ReadonlyArray<readonly [string, string]> = [
    ['empty input', ''],
    ['truncated CBOR', `a1 ${text('GetRandom')} a1 ${text('random')} 44 0102`],
    ['trailing bytes', `${text('LockPCR')} 00`],
    ['unknown variant', text('Reboot')],
    ['two entries in the variant map', `a2 ${text('LockPCR')} f6 ${text('LockPCRs')} f6`],
    ['a non-text variant name', 'a1 01 f6'],
    ['a unit variant sent as a map', `a1 ${text('LockPCR')} f6`],
    ['a struct variant sent bare', text('GetRandom')],
    ['a field of the wrong type', `a1 ${text('DescribePCR')} a2 ${text('lock')} 01 ${text('data')} 40`],
    ['an unknown error name', `a1 ${text('Error')} ${text('Exploded')}`],
    ['the error name as a number (packed encoding)', `a1 ${text('Error')} 02`],
    ['a u16 out of range', `a1 ${text('DescribeNSM')} a7 ${text('version_major')} 1a 00010000`],
    ['a tag', `c1 ${text('LockPCR')}`],
    ['a duplicate field', `a1 ${text('ExtendPCR')} a2 ${text('data')} 40 ${text('data')} 40`],
    ['a number at the top', '18 20'],
  ];
  it.each(malformed)('%s', (_, bytes) => {
    const error = thrown(() => decodeNsmResponse(fromHex(bytes)));
    expect(error.code).toBe('NSM_MALFORMED_RESPONSE');
    expect(error.message).toMatch(/^NSM response is malformed: /);
  });

  it('refuses malformed requests on the simulator side with NSM_INVALID_ARGUMENT', () => {
    expect(thrown(() => decodeNsmRequest(fromHex(text('Attest')))).code).toBe('NSM_INVALID_ARGUMENT');
    expect(
      thrown(() => decodeNsmRequest(fromHex(`a1 ${text('LockPCR')} a1 ${text('index')} 3a 00010000`))).code,
    ).toBe('NSM_INVALID_ARGUMENT');
  });

  it('reads missing Option fields of an Attestation request as None, as serde does', () => {
    expect(decodeNsmRequest(fromHex(`a1 ${text('Attestation')} a0`))).toEqual({
      type: 'Attestation',
      userData: null,
      nonce: null,
      publicKey: null,
    });
  });
});

describe('round trips', () => {
  const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => new Uint8Array(b));
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const request: fc.Arbitrary<NsmRequest> = fc.oneof(
    u16.map((index) => ({ type: 'DescribePCR' as const, index })),
    fc.record({ type: fc.constant('ExtendPCR' as const), index: u16, data: bytes(64) }),
    u16.map((index) => ({ type: 'LockPCR' as const, index })),
    u16.map((range) => ({ type: 'LockPCRs' as const, range })),
    fc.constant({ type: 'DescribeNSM' as const }),
    fc.constant({ type: 'GetRandom' as const }),
    fc.record({
      type: fc.constant('Attestation' as const),
      userData: fc.option(bytes(1100), { nil: null }),
      nonce: fc.option(bytes(1100), { nil: null }),
      publicKey: fc.option(bytes(1100), { nil: null }),
    }),
  );

  it('every request decodes to itself', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(decodeNsmRequest(encodeNsmRequest(r))).toEqual(r);
      }),
    );
  });

  it('every response decodes to itself', () => {
    const response: fc.Arbitrary<NsmResponse> = fc.oneof(
      fc.record({ type: fc.constant('DescribePCR' as const), lock: fc.boolean(), data: bytes(64) }),
      fc.record({ type: fc.constant('GetRandom' as const), random: bytes(256) }),
      fc.constantFrom(...NSM_ERROR_NAMES).map((error) => ({ type: 'Error' as const, error })),
      fc.record({
        type: fc.constant('DescribeNSM' as const),
        versionMajor: u16,
        versionMinor: u16,
        versionPatch: u16,
        moduleId: fc.string(),
        maxPcrs: u16,
        lockedPcrs: fc.uniqueArray(u16, { maxLength: 32 }).map((a) => a.sort((x, y) => x - y)),
        digest: fc.constantFrom('SHA256' as const, 'SHA384' as const, 'SHA512' as const),
      }),
    );
    fc.assert(
      fc.property(response, (r) => {
        expect(decodeNsmResponse(encodeNsmResponse(r))).toEqual(r);
      }),
    );
  });
});
