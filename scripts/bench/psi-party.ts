/**
 * One PSI party in its own process, as it would be on its own machine: it connects, attests, builds its set, then
 * on "go" packs, encodes, seals and streams it, and reports its CPU time. Forked by `psi.ts` (IPC messages).
 */
import 'reflect-metadata';
import { once } from 'node:events';
import { EnclaveConnection, PartyClient } from '../../parent/client/index.js';
import {
  decodeManifest,
  importHpkePrivateKey,
  importSigningPrivateKey,
  signingPublicKeyOf,
} from '../../protocol/index.js';
import { packSetItems } from '../../protocol/set-items/index.js';

export interface PsiPartyData {
  readonly id: string;
  readonly signingPkcs8: Uint8Array;
  readonly hpkePrivateKey: Uint8Array;
  readonly manifest: Uint8Array;
  readonly address: string;
  readonly root: Uint8Array;
  /** The party's items are `user-<first + i>@example.org`. */
  readonly first: number;
  readonly items: number;
}

if (!process.send) throw new Error('psi-party runs as a forked process');
const send = (message: unknown) => process.send?.(message);
const [data] = (await once(process, 'message')) as [PsiPartyData];
const signingKey = importSigningPrivateKey(data.signingPkcs8);
const party = {
  id: data.id,
  signing: { privateKey: signingKey, publicKey: signingPublicKeyOf(signingKey) },
  hpke: await importHpkePrivateKey(data.hpkePrivateKey),
};
const manifest = decodeManifest(data.manifest);
const client = new PartyClient(await EnclaveConnection.open(data.address), party, { roots: [data.root] });
await client.attest(manifest);
const set = Array.from(
  { length: data.items },
  (_, i) => `user-${(data.first + i).toString(16).padStart(8, '0')}@example.org`,
);
send({ type: 'ready' });
await once(process, 'message');
const before = process.cpuUsage();
await client.submit(manifest, `set-${data.id}`, packSetItems(set));
const used = process.cpuUsage(before);
send({ type: 'submitted', cpuSeconds: (used.user + used.system) / 1e6 });
client.close();
process.disconnect();
