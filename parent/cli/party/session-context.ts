import type { Cert } from '../../../attestation/index.js';
import { type Manifest, sessionIdOf } from '../../../protocol/index.js';
import { type EnclaveConnection, PartyClient, type PartyKeys } from '../../client/index.js';
import { connectEndpoint } from './connect.js';
import { loadKeys, loadManifest, loadRoots } from './files.js';

export interface SessionFlags {
  manifest: string;
  key: string;
  endpoint?: string;
  root: string[];
  json?: boolean;
}

/** What every `session` verb works with: the manifest, this party's keys, trust roots and a connection. */
export interface SessionContext {
  readonly manifest: Manifest;
  readonly sessionId: Uint8Array;
  readonly keys: PartyKeys;
  readonly roots: readonly Cert[] | undefined;
  readonly connection: EnclaveConnection;
  readonly client: PartyClient;
}

/** Reads and checks every local file before connecting: a typo should not cost a round trip. */
export async function openSessionContext(flags: SessionFlags): Promise<SessionContext> {
  const manifest = await loadManifest(flags.manifest);
  const keys = await loadKeys(flags.key);
  const roots = await loadRoots(flags.root);
  const connection = await connectEndpoint(flags.endpoint);
  const client = new PartyClient(connection, keys.identity, roots === undefined ? {} : { roots });
  return { manifest, sessionId: sessionIdOf(manifest), keys, roots, connection, client };
}

export function trustOf(context: SessionContext) {
  return context.roots === undefined ? {} : { roots: context.roots };
}
