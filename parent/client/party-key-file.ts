import { z } from 'zod';
import { NitroMpcError } from '../../common/errors.js';
import {
  exportHpkePrivateKey,
  exportSigningPrivateKey,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  identifierSchema,
  importHpkePrivateKey,
  importSigningPrivateKey,
  type ManifestParty,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  signingPublicKeyOf,
} from '../../protocol/index.js';
import type { PartyIdentity } from './party-client.js';

/** The key file is not one this SDK wrote, or it was altered. */
export class PartyKeyFileError extends NitroMpcError<'KEY_FILE_INVALID'> {}

const b64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);

/** A party's private keys at rest: JSON, one object; the file itself must be readable by its owner only. */
export const partyKeyFileSchema = z.strictObject({
  format: z.literal('nitro-mpc-party-key'),
  version: z.literal(1),
  id: identifierSchema,
  displayName: z.string().min(1).max(128),
  signing: z.strictObject({ alg: z.enum(SIGNING_ALGORITHMS), pkcs8: b64.max(512) }),
  hpke: z.strictObject({ kem: z.literal('X25519'), privateKey: b64.max(64) }),
});
export type PartyKeyFileJson = z.infer<typeof partyKeyFileSchema>;

export interface PartyKeys {
  readonly identity: PartyIdentity;
  readonly displayName: string;
}

export async function generatePartyKeys(
  id: string,
  alg: SigningAlgorithm,
  displayName = id,
): Promise<PartyKeys> {
  return {
    identity: { id, signing: generateSigningKeyPair(alg), hpke: await generateHpkeKeyPair() },
    displayName,
  };
}

/** The file's text. Secret: holds both private keys. */
export async function encodePartyKeyFile(keys: PartyKeys): Promise<string> {
  const { identity } = keys;
  const json: PartyKeyFileJson = {
    format: 'nitro-mpc-party-key',
    version: 1,
    id: identity.id,
    displayName: keys.displayName,
    signing: {
      alg: identity.signing.publicKey.alg,
      pkcs8: Buffer.from(exportSigningPrivateKey(identity.signing.privateKey)).toString('base64'),
    },
    hpke: {
      kem: 'X25519',
      privateKey: Buffer.from(await exportHpkePrivateKey(identity.hpke.privateKey)).toString('base64'),
    },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Parses and imports a key file; refuses anything malformed (`KEY_FILE_INVALID`) without echoing its content. */
export async function decodePartyKeyFile(text: string): Promise<PartyKeys> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PartyKeyFileError('KEY_FILE_INVALID', 'the key file is not JSON');
  }
  const parsed = partyKeyFileSchema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.slice(0, 3).map((i) => i.path.join('.') || '(root)');
    throw new PartyKeyFileError('KEY_FILE_INVALID', `the key file is malformed at ${fields.join(', ')}`);
  }
  const json = parsed.data;
  try {
    const privateKey = importSigningPrivateKey(new Uint8Array(Buffer.from(json.signing.pkcs8, 'base64')));
    const publicKey = signingPublicKeyOf(privateKey);
    if (publicKey.alg !== json.signing.alg) throw new Error('algorithm mismatch');
    const hpke = await importHpkePrivateKey(new Uint8Array(Buffer.from(json.hpke.privateKey, 'base64')));
    return {
      identity: { id: json.id, signing: { publicKey, privateKey }, hpke },
      displayName: json.displayName,
    };
  } catch (cause) {
    throw new PartyKeyFileError('KEY_FILE_INVALID', 'the key file holds keys that do not import', { cause });
  }
}

/** The public part: exactly the manifest's `parties[]` entry for this party. */
export function partyPublicEntry(keys: PartyKeys): ManifestParty {
  return {
    id: keys.identity.id,
    displayName: keys.displayName,
    signingKey: keys.identity.signing.publicKey,
    hpkePublicKey: keys.identity.hpke.publicKey,
  };
}
