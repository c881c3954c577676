import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex } from '../../../common/bytes.js';
import {
  type AttestationRecord,
  attestationRecordFromJson,
  attestationRecordJsonSchema,
  attestationRecordToJson,
} from '../../client/index.js';
import { CliError } from '../errors.js';
import { PartyCliError } from './errors.js';

/**
 * Where `session attest` keeps the attestation for later processes: `<key file>.sessions/<session id>.attestation`,
 * next to the keys that will use it. Not secret (document and nonce), but only trusted once re-verified.
 */
export function attestationPath(keyFile: string, sessionId: Uint8Array): string {
  return join(`${keyFile}.sessions`, `${bytesToHex(sessionId)}.attestation`);
}

export async function saveAttestation(
  keyFile: string,
  sessionId: Uint8Array,
  record: AttestationRecord,
): Promise<string> {
  const path = attestationPath(keyFile, sessionId);
  try {
    await mkdir(`${keyFile}.sessions`, { recursive: true, mode: 0o700 });
    await writeFile(path, `${JSON.stringify(attestationRecordToJson(sessionId, record))}\n`, { mode: 0o600 });
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
  return path;
}

/** The stored record for this session; `ATTESTATION_REQUIRED` when there is none (or it is not ours). */
export async function loadAttestation(keyFile: string, sessionId: Uint8Array): Promise<AttestationRecord> {
  const path = attestationPath(keyFile, sessionId);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new PartyCliError('ATTESTATION_REQUIRED', 'this session has no verified attestation yet', {
      details: { path },
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = attestationRecordJsonSchema.safeParse(value);
  if (!parsed.success || parsed.data.sessionId !== bytesToHex(sessionId))
    throw new PartyCliError('ATTESTATION_REQUIRED', `${path} is not an attestation record for this session`);
  return attestationRecordFromJson(parsed.data);
}

/** After destruction the session key is gone: the record can never be used again. */
export async function forgetAttestation(keyFile: string, sessionId: Uint8Array): Promise<void> {
  await rm(attestationPath(keyFile, sessionId), { force: true });
}
