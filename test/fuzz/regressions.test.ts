/** Findings of the fuzz targets, each fixed in its parser, kept here so that they stay fixed. */
import { describe, expect, it } from 'vitest';
import { CborFormatError, decodeCanonicalCbor, decodeStrictCbor } from '../../common/cbor/index.js';
import { NitroMpcError } from '../../common/errors.js';
import { sealInput } from '../../protocol/index.js';
import { decodeFrameBody } from '../../protocol/transport/index.js';
import { codeOf, makeWorld, meanManifest, openSession, T0 } from '../enclave/support.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/ /g, ''), 'hex'));
// Well-formed CBOR (RFC 8949 §3.2.3) that cbor-x cannot decode: indefinite-length text and byte strings.
const indefiniteText = hex('7f 61 61 61 62 ff');
const indefiniteBytes = hex('82 01 5f 41 00 ff');

describe('strict CBOR: what the decoder cannot take is refused with a code', () => {
  it('refuses indefinite-length strings with CborFormatError (was: cbor-x Error escaping every caller)', () => {
    for (const bytes of [indefiniteText, indefiniteBytes]) {
      const error = (() => {
        try {
          decodeStrictCbor(bytes);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(CborFormatError);
      expect(error).toBeInstanceOf(NitroMpcError);
      expect(error).toMatchObject({ code: 'CBOR_MALFORMED' });
    }
  });

  it('still reports them as not canonical to the canonical decoder', () => {
    expect(() => decodeCanonicalCbor(indefiniteText)).toThrow(/not canonical/);
  });

  it('refuses a frame holding one as FRAME_MALFORMED', () => {
    expect(() => decodeFrameBody(hex('84 01 01 00 7f 61 61 ff'))).toThrow(
      expect.objectContaining({ code: 'FRAME_MALFORMED' }),
    );
  });
});

describe('the session service on an input whose plaintext is not strict CBOR', () => {
  it('refuses it with CBOR_MALFORMED, not INTERNAL, and the session keeps working', async () => {
    const world = await makeWorld();
    const { alice } = world.parties;
    const manifest = meanManifest(world);
    const session = await openSession(world, manifest);
    world.clock.now = T0 + 60_000;
    const send = async (plaintext: Uint8Array) => {
      const envelope = await sealInput({
        sessionId: session.sessionId,
        inputName: 'salaries-a',
        partyId: 'alice',
        round: 1,
        plaintext,
        recipientPublicKey: session.attested.hpkePublicKey,
        senderSigningKey: alice.signing.privateKey,
      });
      return world.service.handle({
        type: 'submit-input',
        sessionId: session.sessionId,
        input: { mode: 'hpke', envelope },
      });
    };
    expect(codeOf(await send(indefiniteText))).toBe('CBOR_MALFORMED');
    expect(codeOf(await send(hex('ff 00')))).toBe('CBOR_MALFORMED');
    expect(codeOf(await send(hex('82 19 03 e8 19 07 d0')))).toBe('input-accepted');
  });
});
