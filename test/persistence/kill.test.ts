/**
 * Kill tests with real processes: the enclave bundle with sealed persistence, the parent's store process, the
 * simulated KMS; parties on the SDK. The enclave is SIGKILLed (no shutdown code runs) and started again.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  draftManifest,
  EnclaveConnection,
  PartyClient,
  type PartyIdentity,
} from '../../parent/client/index.js';
import {
  exportSigningPrivateKey,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type Manifest,
  parseManifest,
} from '../../protocol/index.js';
import { measurementOf } from '../../simulator/enclave-process.js';
import { findSecrets } from '../helpers/secret-scan.js';
import { type SealedDeployment, startSealedDeployment } from './sealed-deployment.js';

let sealed: SealedDeployment;

beforeAll(async () => {
  sealed = await startSealedDeployment();
  await sealed.startEnclave();
});

afterAll(async () => {
  await sealed?.close();
});

async function party(id: string): Promise<PartyIdentity> {
  return { id, signing: generateSigningKeyPair('Ed25519'), hpke: await generateHpkeKeyPair() };
}

async function clientsFor(parties: PartyIdentity[]): Promise<PartyClient[]> {
  const enclave = sealed.enclave();
  return Promise.all(
    parties.map(
      async (p) =>
        new PartyClient(await EnclaveConnection.open(enclave.address), p, { roots: [enclave.root] }),
    ),
  );
}

function sumManifest(parties: PartyIdentity[], threshold: number): Manifest {
  const draft = draftManifest({
    fn: measurementOf('sum'),
    parameters: {},
    parties,
    pcrs: sealed.enclave().pcrs,
    inputName: (id) => `${id}-amount`,
  });
  return parseManifest({ ...draft, threshold });
}

describe('a SIGKILLed enclave restarts with every acknowledged input', () => {
  it('continues a session: same attested keys, the inputs sent before the kill, and the ones after', async () => {
    const parties = await Promise.all(['acme', 'globex', 'initech'].map(party));
    const manifest = sumManifest(parties, 3);
    const [acme, globex, initech] = await clientsFor(parties);
    if (!acme || !globex || !initech) throw new Error('clients');
    await acme.create(manifest);
    for (const client of [acme, globex, initech]) await client.approve(manifest);
    const before = await acme.attest(manifest);
    await globex.attest(manifest);
    await acme.submit(manifest, 'acme-amount', [10, 20]);
    await globex.submit(manifest, 'globex-amount', [30]);
    for (const client of [acme, globex, initech]) client.close();

    await sealed.killEnclave();
    await sealed.startEnclave();

    const [acme2, globex2, initech2] = await clientsFor(parties);
    if (!acme2 || !globex2 || !initech2) throw new Error('clients');
    const after = await initech2.attest(manifest);
    expect(after.hpkePublicKey).toEqual(before.hpkePublicKey);
    expect(after.enclaveSigningKey).toEqual(before.enclaveSigningKey);
    const status = await initech2.status(manifest);
    expect(status.inputs.map((i) => i.provided)).toEqual([true, true, false]);
    await initech2.submit(manifest, 'initech-amount', [40]);
    await acme2.evaluate(manifest);
    for (const client of [acme2, globex2, initech2]) {
      const { value } = await client.result(manifest);
      expect((value as Map<string, unknown>).get('sum')).toBe(100);
    }
    const { certificate } = await acme2.destroy(manifest);
    expect(certificate.body.destroyed).toHaveLength(3);
    for (const client of [acme2, globex2, initech2]) client.close();
  });

  it.each([0, 3, 8])(
    'killed while 12 parties submit, after %i acknowledgements: acknowledged inputs all there, none half-there',
    async (killAfter) => {
      const parties = await Promise.all(Array.from({ length: 12 }, (_, i) => party(`p${i}`)));
      const manifest = sumManifest(parties, 1);
      const clients = await clientsFor(parties);
      const [first] = clients;
      if (!first) throw new Error('clients');
      await first.create(manifest);
      for (const client of clients) await client.approve(manifest);
      for (const client of clients) await client.attest(manifest);
      const acknowledged = new Set<string>();
      const submissions = clients.map(async (client, i) => {
        await client.submit(manifest, `p${i}-amount`, [i + 1]);
        acknowledged.add(client.party.id);
      });
      // Settled from the start: the submissions cut off by the kill reject while the kill is awaited.
      const outcomes = Promise.allSettled(submissions);
      while (acknowledged.size < killAfter) await new Promise((done) => setTimeout(done, 1));
      await sealed.killEnclave();
      await outcomes;
      expect(acknowledged.size).toBeGreaterThanOrEqual(killAfter);
      for (const client of clients) client.close();

      await sealed.startEnclave();
      const again = await clientsFor(parties);
      const [asker] = again;
      if (!asker) throw new Error('clients');
      await asker.attest(manifest);
      const status = await asker.status(manifest);
      const provided = new Set(status.inputs.filter((i) => i.provided).map((i) => i.partyId));
      // Every acknowledged input survived; an unacknowledged one is either whole (durable, the ack was lost in
      // the kill) or absent: the sum below uses each present input entirely.
      for (const id of acknowledged) expect(provided.has(id)).toBe(true);
      if (provided.size === 0) {
        for (const client of again) client.close();
        return;
      }
      await asker.evaluate(manifest);
      const { value } = await asker.result(manifest);
      const expected = [...provided].reduce((sum, id) => sum + Number(id.slice(1)) + 1, 0);
      expect((value as Map<string, unknown>).get('sum')).toBe(expected);
      for (const client of again) client.close();
    },
  );
});

describe('a parent that rolls the store back is caught by the parties', () => {
  it('restores an older copy of the store: the party holding a later acknowledgement gets STATE_ROLLBACK', async () => {
    const parties = await Promise.all(['north', 'south'].map(party));
    const manifest = sumManifest(parties, 2);
    const [north, south] = await clientsFor(parties);
    if (!north || !south) throw new Error('clients');
    await north.create(manifest);
    for (const client of [north, south]) await client.approve(manifest);
    for (const client of [north, south]) await client.attest(manifest);
    await north.submit(manifest, 'north-amount', [1]);
    const copy = sealed.snapshotStore();
    await south.submit(manifest, 'south-amount', [2]);
    const acknowledged = south.knownStateCounter(manifest);
    for (const client of [north, south]) client.close();

    // The parent stops everything, puts back the copy from before south's input, and starts again.
    await sealed.killEnclave();
    await sealed.restartStore(copy);
    await sealed.startEnclave();
    const [south2] = await clientsFor([parties[1] as PartyIdentity]);
    if (!south2) throw new Error('client');
    south2.rememberStateCounter(manifest, acknowledged);
    await south2.attest(manifest);
    await expect(south2.status(manifest)).rejects.toMatchObject({ code: 'STATE_ROLLBACK' });
    south2.close();
  });
});

describe('an enclave killed while it evaluates', () => {
  it('evaluates again after the restart, from the inputs it had made durable', async () => {
    const parties = await Promise.all(['umbrella', 'wayne'].map(party));
    const draft = draftManifest({
      fn: measurementOf('psi'),
      parameters: { itemKind: 'string', reveal: 'cardinality' },
      parties,
      pcrs: sealed.enclave().pcrs,
      inputName: (id) => `${id}-customers`,
    });
    const manifest = parseManifest(draft);
    const [umbrella, wayne] = await clientsFor(parties);
    if (!umbrella || !wayne) throw new Error('clients');
    await umbrella.create(manifest);
    for (const client of [umbrella, wayne]) await client.approve(manifest);
    for (const client of [umbrella, wayne]) await client.attest(manifest);
    const shared = Array.from({ length: 50_000 }, (_, i) => `shared-${i}`);
    const own = (who: string) => Array.from({ length: 250_000 }, (_, i) => `${who}-${i}`);
    await umbrella.submit(manifest, 'umbrella-customers', [...shared, ...own('umbrella')]);
    await wayne.submit(manifest, 'wayne-customers', [...own('wayne'), ...shared]);
    // The kill lands while the enclave computes (300k items a side), or just before or after it recorded the
    // result: in every case the restarted enclave must give the right answer.
    const evaluating = umbrella.evaluate(manifest).catch((error: unknown) => error);
    await new Promise((done) => setTimeout(done, 20));
    await sealed.killEnclave();
    await evaluating;
    for (const client of [umbrella, wayne]) client.close();

    await sealed.startEnclave();
    const [again] = await clientsFor([parties[0] as PartyIdentity]);
    if (!again) throw new Error('client');
    await again.attest(manifest);
    const status = await again.status(manifest);
    expect(status.inputs.every((i) => i.provided)).toBe(true);
    if (status.phase === 'open') await again.evaluate(manifest);
    const { value } = await again.result(manifest);
    expect((value as Map<string, unknown>).get('cardinality')).toBe(50_000);
    again.close();
  });
});

describe('what the parent holds after a sealed session', () => {
  it('its store and every log hold no input plaintext and no party key, in any encoding', async () => {
    const parties = await Promise.all(['left', 'right'].map(party));
    const draft = draftManifest({
      fn: measurementOf('psi'),
      parameters: { itemKind: 'string', reveal: 'cardinality' },
      parties,
      pcrs: sealed.enclave().pcrs,
      inputName: (id) => `${id}-items`,
    });
    const manifest = parseManifest(draft);
    const items = (n: number) => Array.from({ length: n }, () => `item-${randomBytes(12).toString('hex')}`);
    const left = items(200);
    const right = [...left.slice(0, 50), ...items(150)];
    const [l, r] = await clientsFor(parties);
    if (!l || !r) throw new Error('clients');
    await l.create(manifest);
    for (const client of [l, r]) await client.approve(manifest);
    for (const client of [l, r]) await client.attest(manifest);
    await l.submit(manifest, 'left-items', left);
    await r.submit(manifest, 'right-items', right);
    // Killed and restarted once, so the restore path's logs are scanned too.
    await sealed.killEnclave();
    const storeFiles = filesUnder(sealed.storeDir);
    const before = sealed.enclave().output();
    await sealed.startEnclave();
    const [again] = await clientsFor([parties[0] as PartyIdentity]);
    if (!again) throw new Error('client');
    await again.attest(manifest);
    await again.evaluate(manifest);
    expect(((await again.result(manifest)).value as Map<string, unknown>).get('cardinality')).toBe(50);
    for (const client of [l, r, again]) client.close();

    const markers = [
      ...[...left, ...right].map((item, i) => ({
        label: `input item ${i}`,
        bytes: new TextEncoder().encode(item),
      })),
      ...parties.map((p) => ({
        label: `${p.id} signing key`,
        bytes: exportSigningPrivateKey(p.signing.privateKey),
      })),
    ];
    const haystacks = [
      ...storeFiles,
      { label: 'enclave output before the kill', content: before },
      { label: 'enclave output after the restart', content: sealed.enclave().output() },
      { label: 'store logs', content: sealed.storeLogs() },
    ];
    expect(storeFiles.length).toBeGreaterThan(0);
    expect(findSecrets(markers, haystacks)).toEqual([]);
    // The scan does find what it looks for: the same markers in the clear are caught.
    expect(findSecrets(markers.slice(0, 1), [{ label: 'plain', content: left[0] ?? '' }])).toHaveLength(1);
  });
});

function filesUnder(dir: string): { label: string; content: Uint8Array }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { label: path, content: new Uint8Array(readFileSync(path)) };
    });
}
