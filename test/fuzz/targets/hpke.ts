/** protocol/hpke: sealed input envelopes (openInput) and chunked inputs (InputStreamOpener), as the enclave opens them. */
import { CborFormatError, decodeStrictCbor } from '../../../common/cbor/index.js';
import { InputStreamOpener, openInput, ProtocolError, parsePartyRequest } from '../../../protocol/index.js';
import { protocolFixtures } from '../support/fixtures.js';
import { check, type FuzzTarget, refusedOrValid } from '../support/target.js';

const refusals = [
  { type: CborFormatError },
  {
    type: ProtocolError,
    codes: [
      'MESSAGE_INVALID',
      'SIGNATURE_INVALID',
      'SENDER_KEY_MISSING',
      'KEY_INVALID',
      'BINDING_MISMATCH',
      'HPKE_OPEN_FAILED',
      'CHUNK_SEQUENCE_INVALID',
    ],
  },
];

const envelopeName = 'hpke-envelope';

export const hpkeEnvelopeTarget: FuzzTarget = {
  name: envelopeName,
  parser:
    'protocol/hpke openInput (schema, signature or sender key, binding, HPKE open in base or auth mode)',
  async seeds() {
    return (await protocolFixtures()).submitRequests;
  },
  async run(bytes) {
    const f = await protocolFixtures();
    await refusedOrValid(envelopeName, refusals, async () => {
      const request = parsePartyRequest(decodeStrictCbor(bytes));
      if (request.type !== 'submit-input' || request.input.mode !== 'hpke') return;
      const opened = await openInput(
        request.input.envelope,
        f.recipient.privateKey,
        f.binding,
        f.sender.signing.publicKey,
        f.sender.hpke.publicKey,
      );
      check(envelopeName, opened.commitment.length === 32, 'a commitment that is not a SHA-256');
    });
  },
};

const streamName = 'hpke-stream';

export const hpkeStreamTarget: FuzzTarget = {
  name: streamName,
  parser: 'protocol/hpke InputStreamOpener (header, chunk order, final chunk)',
  async seeds() {
    return (await protocolFixtures()).streams;
  },
  async run(bytes) {
    const f = await protocolFixtures();
    await refusedOrValid(streamName, refusals, async () => {
      const requests = decodeStrictCbor(bytes);
      if (!Array.isArray(requests)) return;
      const [first, ...rest] = requests.map((r) => parsePartyRequest(r));
      if (first?.type !== 'submit-input-stream') return;
      const opener = await InputStreamOpener.start(
        first.header,
        f.recipient.privateKey,
        f.binding,
        f.sender.signing.publicKey,
      );
      for (const request of rest) {
        if (request.type !== 'submit-input-chunk') return;
        await opener.openChunk(request.chunk);
      }
    });
  },
};
