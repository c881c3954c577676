/**
 * Writes enclave image files the way aws-nitro-enclaves-image-format's builder lays them out (header, kernel,
 * cmdline, metadata, ramdisks, signature; big-endian; CRC-32 over everything but the CRC field), written here
 * independently of parent/eif so that the parser is tested against a second reading of the format.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ES384 } from '../../attestation/cose/algorithms.js';
import { signCoseSign1 } from '../../attestation/cose/sign.js';
import { encodeCbor } from '../../common/cbor/index.js';

export interface EifParts {
  readonly kernel: Uint8Array;
  readonly cmdline: string;
  readonly ramdisks: readonly Uint8Array[];
  /** JSON written as the metadata section; `null` leaves it out (as versions before 4 do). */
  readonly metadata?: Record<string, unknown> | null;
  readonly version?: number;
  readonly sign?: {
    readonly certificatePem: string;
    readonly privateKey: KeyObject;
    readonly pcr0?: Uint8Array;
  };
}

export const DEFAULT_METADATA = {
  ImageName: 'nitro-mpc-enclave',
  ImageVersion: '1.0',
  BuildMetadata: {
    BuildTime: '2025-01-01T00:00:00Z',
    BuildTool: 'test',
    BuildToolVersion: '0',
    OperatingSystem: 'Linux',
    KernelVersion: '6.1',
  },
  DockerInfo: {},
  CustomMetadata: {},
};

const TYPE = { kernel: 1, cmdline: 2, ramdisk: 3, signature: 4, metadata: 5 } as const;

function section(type: keyof typeof TYPE, data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(TYPE[type], 0);
  head.writeBigUInt64BE(BigInt(data.length), 4);
  return Buffer.concat([head, data]);
}

/** PCR0 the plain way: SHA-384 of zeros(48) followed by SHA-384 of kernel, cmdline and all ramdisks. */
export function expectedPcr0(parts: EifParts): Uint8Array {
  const inner = createHash('sha384')
    .update(parts.kernel)
    .update(parts.cmdline)
    .update(Buffer.concat(parts.ramdisks))
    .digest();
  return createHash('sha384').update(Buffer.alloc(48)).update(inner).digest();
}

function signatureSection(sign: NonNullable<EifParts['sign']>, pcr0: Uint8Array): Buffer {
  const payload = encodeCbor(
    new Map<string, unknown>([
      ['register_index', 0],
      ['register_value', Array.from(pcr0)],
    ]),
  );
  const cose = signCoseSign1(payload, sign.privateKey, ES384);
  // serde_cbor writes Vec<u8> as an array of integers.
  const entry = new Map<string, unknown>([
    ['signing_certificate', Array.from(Buffer.from(sign.certificatePem, 'latin1'))],
    ['signature', Array.from(cose)],
  ]);
  return Buffer.from(encodeCbor([entry]));
}

export function buildEif(parts: EifParts): Uint8Array {
  const metadata = parts.metadata === undefined ? DEFAULT_METADATA : parts.metadata;
  const bodies: Buffer[] = [
    section('kernel', parts.kernel),
    section('cmdline', Buffer.from(parts.cmdline)),
    ...(metadata === null ? [] : [section('metadata', Buffer.from(JSON.stringify(metadata)))]),
    ...parts.ramdisks.map((r) => section('ramdisk', r)),
  ];
  if (parts.sign) {
    bodies.push(section('signature', signatureSection(parts.sign, parts.sign.pcr0 ?? expectedPcr0(parts))));
  }
  const header = Buffer.alloc(548);
  header.write('.eif', 0, 'latin1');
  header.writeUInt16BE(parts.version ?? 4, 4);
  header.writeUInt16BE(bodies.length, 26);
  let offset = 548;
  bodies.forEach((body, i) => {
    header.writeBigUInt64BE(BigInt(offset), 28 + 8 * i);
    header.writeBigUInt64BE(BigInt(body.length - 12), 28 + 256 + 8 * i);
    offset += body.length;
  });
  const file = Buffer.concat([header, ...bodies]);
  const crc = crc32(Buffer.concat([file.subarray(0, 544), file.subarray(548)]));
  file.writeUInt32BE(crc, 544);
  return new Uint8Array(file);
}

/** Recomputes the header CRC after a test edits the bytes (to reach the check behind the CRC). */
export function fixCrc(file: Uint8Array): Uint8Array {
  const copy = Buffer.from(file);
  copy.writeUInt32BE(crc32(Buffer.concat([copy.subarray(0, 544), copy.subarray(548)])), 544);
  return new Uint8Array(copy);
}
