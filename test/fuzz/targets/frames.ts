/** protocol/transport/frames: one frame body (decodeFrameBody + envelope schema), and a byte stream of frames. */
import { encodeCbor } from '../../../common/cbor/index.js';
import { envelopeToWire, frameEnvelopeSchema } from '../../../protocol/transport/frames/envelope.js';
import {
  decodeFrameBody,
  encodeFrame,
  FrameDecoder,
  type FrameEnvelope,
} from '../../../protocol/transport/frames/index.js';
import { TransportError } from '../../../protocol/transport/index.js';
import { protocolFixtures } from '../support/fixtures.js';
import { check, type FuzzTarget, refusedOrValid, refusedOrValidSync } from '../support/target.js';

const MAX_FRAME_BYTES = 4096;

async function sampleFrames(): Promise<Buffer[]> {
  const f = await protocolFixtures();
  const envelopes: FrameEnvelope[] = [
    {
      type: 'request',
      id: 1,
      body: { type: 'attest', sessionId: new Uint8Array(32), nonce: new Uint8Array(16) },
      hasUpload: false,
    },
    { type: 'request', id: 7, body: new Map([['type', 'status']]), hasUpload: true },
    { type: 'response', id: 0xffff_ffff, body: [1, 'two', new Uint8Array(3), null, true] },
    { type: 'error', id: 2, code: 'SESSION_UNKNOWN', message: 'no session with this id in this enclave' },
    { type: 'chunk', id: 3, seq: 0, data: new Uint8Array(100).fill(7) },
    { type: 'end', id: 3, chunks: 1, bytes: 100, sha256: new Uint8Array(32).fill(1) },
    { type: 'cancel', id: 3 },
  ];
  const frames = envelopes.map((e) => encodeFrame(e, MAX_FRAME_BYTES));
  // A real request body as the SDK sends it.
  const submit = f.submitRequests[1];
  if (submit)
    frames.push(
      encodeFrame(
        { type: 'request', id: 9, body: new Map([['raw', submit]]), hasUpload: false },
        MAX_FRAME_BYTES,
      ),
    );
  return frames;
}

const bodyName = 'frame-body';
const bodyRefusals = [{ type: TransportError, codes: ['FRAME_MALFORMED', 'FRAME_VERSION_UNSUPPORTED'] }];

export const frameBodyTarget: FuzzTarget = {
  name: bodyName,
  parser: 'protocol/transport/frames decodeFrameBody (strict CBOR + envelope schema)',
  async seeds() {
    const frames = await sampleFrames();
    return [...frames.map((f) => new Uint8Array(f.subarray(4))), encodeCbor([2, 0, 1, null, false])];
  },
  run(bytes) {
    const envelope = refusedOrValidSync(bodyName, bodyRefusals, () => decodeFrameBody(bytes));
    if (envelope === undefined) return;
    check(
      bodyName,
      frameEnvelopeSchema.safeParse(envelopeToWire(envelope)).success,
      'envelope does not re-validate',
    );
  },
};

const streamName = 'frame-stream';
const streamRefusals = [
  {
    type: TransportError,
    codes: ['FRAME_MALFORMED', 'FRAME_VERSION_UNSUPPORTED', 'FRAME_TOO_LARGE', 'TRANSPORT_CONNECTION_LOST'],
  },
];

/** Feeds bytes to a FrameDecoder in pieces of 1..13 bytes (sizes taken from the bytes), as a socket would. */
function decodeStream(bytes: Uint8Array, decoder: FrameDecoder): Promise<FrameEnvelope[]> {
  return new Promise((resolve, reject) => {
    const out: FrameEnvelope[] = [];
    decoder.on('data', (e: FrameEnvelope) => out.push(e));
    decoder.on('error', reject);
    decoder.on('end', () => resolve(out));
    let at = 0;
    while (at < bytes.length) {
      const size = 1 + ((bytes[at] ?? 0) % 13);
      decoder.write(Buffer.from(bytes.subarray(at, at + size)));
      at += size;
    }
    decoder.end();
  });
}

export const frameStreamTarget: FuzzTarget = {
  name: streamName,
  parser: 'protocol/transport/frames FrameDecoder (length header, size cap, bodies)',
  async seeds() {
    const frames = await sampleFrames();
    return [
      new Uint8Array(Buffer.concat(frames)),
      new Uint8Array(Buffer.concat(frames.slice(0, 3))),
      ...frames.map((f) => new Uint8Array(f)),
      Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1, 2, 3),
    ];
  },
  async run(bytes) {
    const decoder = new FrameDecoder(MAX_FRAME_BYTES);
    const envelopes = await refusedOrValid(streamName, streamRefusals, () => decodeStream(bytes, decoder));
    check(
      streamName,
      decoder.peakBufferedBytes <= MAX_FRAME_BYTES,
      `the decoder held ${decoder.peakBufferedBytes} bytes, above the ${MAX_FRAME_BYTES}-byte maximum frame`,
    );
    for (const envelope of envelopes ?? []) {
      check(
        streamName,
        frameEnvelopeSchema.safeParse(envelopeToWire(envelope)).success,
        'envelope does not re-validate',
      );
    }
  },
};
