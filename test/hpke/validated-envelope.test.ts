/** An envelope validated as part of its submit request is opened without running its schema a second time. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import {
  generateHpkeKeyPair,
  generateSigningKeyPair,
  inputEnvelopeSchema,
  inputOpeningKeysOf,
  openInputWithKeys,
  parsePartyRequest,
  sealInput,
} from '../../protocol/index.js';

const binding = { sessionId: new Uint8Array(32).fill(3), inputName: 'x', partyId: 'alice', round: 1 };

afterEach(() => vi.restoreAllMocks());

describe('envelopes validated with their request', () => {
  it('open without a second parse; a copy of one, or a bare envelope, is parsed', async () => {
    const recipient = await generateHpkeKeyPair();
    const party = generateSigningKeyPair('Ed25519');
    const envelope = await sealInput({
      ...binding,
      plaintext: encodeCbor(7),
      recipientPublicKey: recipient.publicKey,
      senderSigningKey: party.privateKey,
    });
    const request = parsePartyRequest({
      type: 'submit-input',
      sessionId: binding.sessionId,
      input: { mode: 'hpke', envelope },
    });
    if (request.type !== 'submit-input' || request.input.mode !== 'hpke') throw new Error('not a submit');
    const keys = inputOpeningKeysOf(recipient.privateKey, party.publicKey);
    const parses = vi.spyOn(inputEnvelopeSchema, 'safeParse');

    expect((await openInputWithKeys(request.input.envelope, keys, binding)).plaintext).toEqual(encodeCbor(7));
    expect(parses).not.toHaveBeenCalled();

    await openInputWithKeys({ ...request.input.envelope }, keys, binding);
    await openInputWithKeys(envelope, keys, binding);
    expect(parses).toHaveBeenCalledTimes(2);
    await expect(openInputWithKeys({ ...envelope, v: 2 }, keys, binding)).rejects.toMatchObject({
      code: 'MESSAGE_INVALID',
    });
  });
});
