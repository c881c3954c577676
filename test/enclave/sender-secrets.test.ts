import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SenderSecrets } from '../../enclave/sessions/sender-secrets.js';
import {
  authSenderOf,
  generateHpkeKeyPair,
  type HpkePublicKey,
  rawHpkePublicKey,
  recipientKeysOf,
} from '../../protocol/index.js';

async function parties(count: number): Promise<{ id: string; hpkePublicKey?: HpkePublicKey }[]> {
  return await Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      id: `p${i}`,
      hpkePublicKey: (await generateHpkeKeyPair()).publicKey,
    })),
  );
}

const computed = (secrets: SenderSecrets, ids: readonly string[]) =>
  ids.filter((id) => secrets.senderOf(id)?.staticSecret !== undefined).length;

describe('SenderSecrets', () => {
  it("computes each party's static DH in the background, a share per turn, equal to computing it directly", async () => {
    const session = await generateHpkeKeyPair();
    const list = [...(await parties(150)), { id: 'signer-only' }];
    const ids = list.map((p) => p.id);
    const secrets = new SenderSecrets(session.privateKey, list);
    // Nothing yet: the constructor only schedules the work. The public key is there already.
    expect(computed(secrets, ids)).toBe(0);
    expect(secrets.senderOf('p0')?.publicRaw).toEqual(
      rawHpkePublicKey(list[0]?.hpkePublicKey as HpkePublicKey),
    );
    await nextTurn();
    const afterOneTurn = computed(secrets, ids);
    expect(afterOneTurn).toBeGreaterThan(0);
    expect(afterOneTurn).toBeLessThan(150);
    while (computed(secrets, ids) < 150) await nextTurn();
    expect(secrets.senderOf('signer-only')).toBeUndefined();
    const recipient = recipientKeysOf(session.privateKey);
    for (const party of list.slice(0, 5)) {
      const direct = authSenderOf(recipient, rawHpkePublicKey(party.hpkePublicKey as HpkePublicKey));
      expect(secrets.senderOf(party.id)?.staticSecret).toEqual(direct.staticSecret);
    }
  });

  it('leaves a small-order key without a secret (its inputs are refused when opened) and computes the others', async () => {
    const session = await generateHpkeKeyPair();
    const list = [
      { id: 'zero', hpkePublicKey: { kem: 'X25519' as const, key: Buffer.alloc(32).toString('base64') } },
      ...(await parties(3)),
    ];
    const secrets = new SenderSecrets(session.privateKey, list);
    while (computed(secrets, ['p0', 'p1', 'p2']) < 3) await nextTurn();
    expect(secrets.senderOf('zero')?.publicRaw).toEqual(new Uint8Array(32));
    expect(secrets.senderOf('zero')?.staticSecret).toBeUndefined();
  });

  it('zeroes every secret on forget, and computes none after it', async () => {
    const session = await generateHpkeKeyPair();
    const list = await parties(100);
    const secrets = new SenderSecrets(session.privateKey, list);
    await nextTurn();
    const held = list.map((p) => secrets.senderOf(p.id)?.staticSecret).filter((s) => s !== undefined);
    expect(held.length).toBeGreaterThan(0);
    secrets.forget();
    for (const secret of held) expect(secret.every((b) => b === 0)).toBe(true);
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    expect(list.every((p) => secrets.senderOf(p.id) === undefined)).toBe(true);
  });
});
