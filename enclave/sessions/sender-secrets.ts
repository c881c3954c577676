import {
  type AuthSender,
  authSenderOf,
  type HpkePrivateKey,
  type HpkePublicKey,
  rawHpkePublicKey,
  recipientKeysOf,
} from '../../protocol/index.js';

/** Parties done per turn of the event loop while precomputing: about 3 ms of X25519, then other work goes first. */
const PARTIES_PER_TURN = 64;

/**
 * One session's DH(session key, party key) for every party with an `hpkePublicKey`: the half of an auth-mode
 * open (RFC 9180 AuthDecap) that is the same for every input a party sends to the session. Computed in the
 * background from the session's start, a turn of the event loop at a time, so that a burst of inputs later costs
 * one X25519 each instead of two. Until a party's is done, its inputs carry only its public key and the opener
 * does both DHs. The secrets are as sensitive as the session key: `forget` zeroes them when it goes.
 */
export class SenderSecrets {
  private readonly senders = new Map<string, AuthSender>();
  private forgotten = false;

  constructor(
    recipientPrivateKey: HpkePrivateKey,
    parties: readonly { readonly id: string; readonly hpkePublicKey?: HpkePublicKey | undefined }[],
  ) {
    const pending: { id: string; publicRaw: Uint8Array }[] = [];
    for (const party of parties) {
      if (party.hpkePublicKey === undefined) continue;
      const publicRaw = rawHpkePublicKey(party.hpkePublicKey);
      this.senders.set(party.id, { publicRaw });
      pending.push({ id: party.id, publicRaw });
    }
    const recipient = recipientKeysOf(recipientPrivateKey);
    const step = () => {
      if (this.forgotten) return;
      for (const { id, publicRaw } of pending.splice(0, PARTIES_PER_TURN)) {
        try {
          this.senders.set(id, authSenderOf(recipient, publicRaw));
        } catch {
          // The party keeps its entry without a secret, so its inputs go to the opener, which does the same DH
          // again and refuses them there with a code (a small-order key: HPKE_OPEN_FAILED). Nothing is hidden.
        }
      }
      if (pending.length > 0) setImmediate(step).unref();
    };
    if (pending.length > 0) setImmediate(step).unref();
  }

  /** The party's sender keys for an auth-mode open; undefined when its manifest entry has no HPKE key. */
  senderOf(partyId: string): AuthSender | undefined {
    return this.forgotten ? undefined : this.senders.get(partyId);
  }

  /** Zeroes every computed secret and stops computing more (the session key is being discarded). */
  forget(): void {
    this.forgotten = true;
    for (const sender of this.senders.values()) sender.staticSecret?.fill(0);
    this.senders.clear();
  }
}
