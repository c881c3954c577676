import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AttestationError,
  decodeAttestationDocument,
  ES256,
  ES384,
  encodeAttestationPayload,
  MAX_DOCUMENT_BYTES,
  signCoseSign1,
  verifyAttestationDocument,
} from '../../attestation/index.js';
import { encodeCbor, encodeCborIndefiniteMap } from '../../common/cbor/index.js';
import { type NitroLikeChain, nitroLikeChain, productionPcrs, signTestDocument } from '../helpers/pki.js';

const AT = Date.parse('2026-05-01T08:00:00Z');
let chain: NitroLikeChain;

beforeAll(async () => {
  chain = await nitroLikeChain(AT);
});

function fields(overrides: Record<string, unknown> = {}, drop: readonly string[] = []): Map<string, unknown> {
  const map = new Map<string, unknown>([
    ['module_id', 'i-0123456789abcdef0-enc0123456789abcdef'],
    ['digest', 'SHA384'],
    ['timestamp', BigInt(AT)],
    ['pcrs', productionPcrs()],
    ['certificate', chain.leaf.der],
    ['cabundle', [...chain.cabundle]],
    ['public_key', null],
    ['user_data', null],
    ['nonce', null],
  ]);
  for (const [k, v] of Object.entries(overrides)) map.set(k, v);
  for (const k of drop) map.delete(k);
  return map;
}

/** Signs arbitrary payload bytes with the chain's leaf, so that only the format can be wrong. */
function signPayload(payload: Uint8Array): Uint8Array {
  return signCoseSign1(payload, chain.leaf.privateKey, ES384);
}

async function codeOf(bytes: Uint8Array): Promise<string> {
  try {
    await verifyAttestationDocument(bytes, { roots: [chain.root.der], at: AT });
    return 'VALID';
  } catch (error) {
    expect(error).toBeInstanceOf(AttestationError);
    return (error as AttestationError).code;
  }
}

describe('attestation document format', () => {
  it('accepts definite and indefinite-length payload maps, tagged and untagged messages', async () => {
    for (const options of [
      {},
      { indefiniteLength: true },
      { tagged: true },
      { tagged: true, indefiniteLength: true },
    ]) {
      expect(await codeOf(signTestDocument({ chain, timestamp: AT, ...options }))).toBe('VALID');
    }
    const indefinite = signTestDocument({ chain, timestamp: AT, indefiniteLength: true });
    expect(decodeAttestationDocument(indefinite).cose.payload[0]).toBe(0xbf);
    expect(signTestDocument({ chain, timestamp: AT, tagged: true })[0]).toBe(0xd2);
  });

  it('accepts nonce, user_data and public_key of 1024 bytes, as real documents carry', async () => {
    const big = new Uint8Array(1024).fill(7);
    const doc = signTestDocument({ chain, timestamp: AT, nonce: big, userData: big, publicKey: big });
    const verified = await verifyAttestationDocument(doc, { roots: [chain.root.der], at: AT, nonce: big });
    expect(verified.userData).toHaveLength(1024);
  });

  const malformed: [string, () => Uint8Array][] = [
    [
      'a nonce over 1024 bytes',
      () => signTestDocument({ chain, timestamp: AT, nonce: new Uint8Array(1025) }),
    ],
    [
      'user_data over 1024 bytes',
      () => signTestDocument({ chain, timestamp: AT, userData: new Uint8Array(1025) }),
    ],
    [
      'public_key over 1024 bytes',
      () => signTestDocument({ chain, timestamp: AT, publicKey: new Uint8Array(1025) }),
    ],
    ['a timestamp in seconds', () => signPayload(encodeCbor(fields({ timestamp: Math.floor(AT / 1000) })))],
    ['a negative timestamp', () => signPayload(encodeCbor(fields({ timestamp: -1 })))],
    ['a text timestamp', () => signPayload(encodeCbor(fields({ timestamp: String(AT) })))],
    ['digest SHA256', () => signPayload(encodeCbor(fields({ digest: 'SHA256' })))],
    ['no module_id', () => signPayload(encodeCbor(fields({}, ['module_id'])))],
    ['no pcrs', () => signPayload(encodeCbor(fields({}, ['pcrs'])))],
    ['an empty pcrs map', () => signPayload(encodeCbor(fields({ pcrs: new Map() })))],
    ['PCR index 32', () => signPayload(encodeCbor(fields({ pcrs: new Map([[32, new Uint8Array(48)]]) })))],
    ['a 47-byte PCR', () => signPayload(encodeCbor(fields({ pcrs: new Map([[0, new Uint8Array(47)]]) })))],
    [
      'a text PCR index',
      () => signPayload(encodeCbor(fields({ pcrs: new Map([['0', new Uint8Array(48)]]) }))),
    ],
    ['an unknown field', () => signPayload(encodeCbor(fields({ extra: 1 })))],
    ['a non-text key', () => signPayload(encodeCbor(new Map<unknown, unknown>([...fields(), [1, 2]])))],
    ['a payload that is an array', () => signPayload(encodeCbor([1, 2, 3]))],
    ['user_data as text', () => signPayload(encodeCbor(fields({ user_data: 'hello' })))],
    [
      'a duplicate key (the later value would win in a lenient decoder)',
      () => {
        const payload = encodeCbor(fields());
        // Re-encode with module_id twice: a9 -> aa (10 entries) and one more module_id pair at the end.
        const extra = Buffer.concat([
          encodeCbor('module_id'),
          encodeCbor('i-ffffffffffffffff0-encffffffffffffffff'),
        ]);
        const twice = Buffer.concat([Uint8Array.of(0xaa), payload.subarray(1), extra]);
        return signPayload(new Uint8Array(twice));
      },
    ],
    [
      'a duplicate key in an indefinite map',
      () => {
        const map = encodeCborIndefiniteMap(fields());
        const extra = Buffer.concat([encodeCbor('nonce'), encodeCbor(new Uint8Array(4))]);
        return signPayload(
          new Uint8Array(Buffer.concat([map.subarray(0, map.length - 1), extra, Uint8Array.of(0xff)])),
        );
      },
    ],
    [
      'trailing bytes after the payload map',
      () => signPayload(new Uint8Array([...encodeCbor(fields()), 0x00])),
    ],
    [
      'trailing bytes after the COSE message',
      () => new Uint8Array([...signTestDocument({ chain, timestamp: AT }), 0x00]),
    ],
    [
      'a COSE array of 3',
      () => encodeCbor([encodeCbor(new Map([[1, -35]])), new Map(), encodeAttestationPayloadFor(chain)]),
    ],
    [
      'an unprotected header that is null',
      () => {
        const { cose } = decodeAttestationDocument(signTestDocument({ chain, timestamp: AT }));
        return encodeCbor([cose.protectedBytes, null, cose.payload, cose.signature]);
      },
    ],
    ['another tag than 18', () => new Uint8Array([0xd1, ...signTestDocument({ chain, timestamp: AT })])],
    ['empty input', () => new Uint8Array(0)],
    ['an input over the size cap', () => new Uint8Array(MAX_DOCUMENT_BYTES + 1).fill(0x84)],
  ];

  for (const [what, make] of malformed) {
    it(`refuses ${what} as ATTESTATION_MALFORMED`, async () => {
      expect(await codeOf(make())).toBe('ATTESTATION_MALFORMED');
    });
  }

  it('refuses a protected header naming another algorithm, or critical headers, as a bad signature', async () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const es256 = signCoseSign1(encodeAttestationPayloadFor(chain), p256, ES256);
    expect(await codeOf(es256)).toBe('ATTESTATION_BAD_SIGNATURE');
    const { cose } = decodeAttestationDocument(signTestDocument({ chain, timestamp: AT }));
    const crit = encodeCbor([
      encodeCbor(
        new Map<number, unknown>([
          [1, -35],
          [2, [99]],
        ]),
      ),
      new Map(),
      cose.payload,
      cose.signature,
    ]);
    expect(await codeOf(crit)).toBe('ATTESTATION_BAD_SIGNATURE');
  });

  it('refuses a signature in DER form instead of raw r||s', async () => {
    const { cose } = decodeAttestationDocument(signTestDocument({ chain, timestamp: AT }));
    const der = new Uint8Array([
      0x30,
      0x66,
      0x02,
      0x31,
      0x00,
      ...cose.signature.subarray(0, 48),
      0x02,
      0x31,
      0x00,
      ...cose.signature.subarray(48),
    ]);
    expect(await codeOf(encodeCbor([cose.protectedBytes, new Map(), cose.payload, der]))).toBe(
      'ATTESTATION_BAD_SIGNATURE',
    );
  });

  it('judges trust before format: a document without its CA bundle is untrusted', async () => {
    expect(await codeOf(signPayload(encodeCbor(fields({ cabundle: null }))))).toBe(
      'ATTESTATION_ROOT_UNTRUSTED',
    );
    expect(await codeOf(signPayload(encodeCbor(fields({ cabundle: [] }))))).toBe(
      'ATTESTATION_ROOT_UNTRUSTED',
    );
  });

  it('says which field is wrong', async () => {
    const error = await verifyAttestationDocument(signPayload(encodeCbor(fields({ digest: 'MD5' }))), {
      roots: [chain.root.der],
      at: AT,
    }).catch((e: unknown) => e as AttestationError);
    expect(error).toBeInstanceOf(AttestationError);
    expect((error as AttestationError).message).toMatch(/digest/);
  });
});

function encodeAttestationPayloadFor(c: NitroLikeChain): Uint8Array {
  return encodeAttestationPayload({
    moduleId: 'i-0123456789abcdef0-enc0123456789abcdef',
    timestamp: AT,
    pcrs: productionPcrs(),
    certificate: c.leaf.der,
    cabundle: c.cabundle,
    publicKey: undefined,
    userData: undefined,
    nonce: undefined,
  });
}
