import { encodeProtocolValue } from '../codec/canonical.js';
import { CONTEXTS } from '../codec/contexts.js';
import { ProtocolError } from '../errors.js';
import { type HpkePrivateKey, type HpkePublicKey, importHpkePublicKey } from '../hpke/keys.js';
import { cipherSuiteFor, type HpkeAead, suiteIdsOf } from '../hpke/suites.js';
import type { ResultView } from '../manifest/manifest.js';
import type { ResultPayload } from './schema.js';

export interface ResultBinding {
  readonly sessionId: Uint8Array;
  readonly round: number;
  readonly recipient: string;
  readonly view: ResultView;
}

/** HPKE `info` for a result: canonical CBOR of [context, {sessionId, round, recipient, view}]. */
function resultInfo(b: ResultBinding): Uint8Array {
  return encodeProtocolValue([
    CONTEXTS.resultInfo,
    { sessionId: b.sessionId, round: b.round, recipient: b.recipient, view: b.view },
  ]);
}

/** Encrypts a result to its recipient's HPKE key (enclave side). */
export async function sealResult(
  binding: ResultBinding,
  plaintext: Uint8Array,
  recipientPublicKey: HpkePublicKey,
  aead: HpkeAead = 'AES-256-GCM',
): Promise<ResultPayload> {
  const suite = suiteIdsOf(aead);
  const sender = await cipherSuiteFor(suite).createSenderContext({
    recipientPublicKey: await importHpkePublicKey(recipientPublicKey),
    info: resultInfo(binding),
  });
  const ciphertext = new Uint8Array(await sender.seal(plaintext));
  return { delivery: 'encrypted', suite, enc: new Uint8Array(sender.enc), ciphertext };
}

/** Reads a result payload (recipient side): decrypts an encrypted one, returns a clear one as is. */
export async function openResult(
  binding: ResultBinding,
  payload: ResultPayload,
  recipientPrivateKey: HpkePrivateKey,
): Promise<Uint8Array> {
  if (payload.delivery === 'clear') return payload.value;
  try {
    const recipient = await cipherSuiteFor(payload.suite).createRecipientContext({
      recipientKey: recipientPrivateKey,
      enc: payload.enc,
      info: resultInfo(binding),
    });
    return new Uint8Array(await recipient.open(payload.ciphertext));
  } catch (error) {
    throw new ProtocolError(
      'HPKE_OPEN_FAILED',
      'the result does not open with this key: it is for another recipient, view or round, or was altered',
      { cause: error },
    );
  }
}
