import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { KmsSimulatorError } from './errors.js';
import { ensurePrivateDirectory, readJsonFile, removeFile, writePrivateFile } from './state-files.js';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

/** A symmetric encryption KMS key (SYMMETRIC_DEFAULT, AES-256-GCM), with its policy and secret material. */
export interface KmsKey {
  readonly keyId: string;
  readonly description: string;
  /** Epoch milliseconds. */
  readonly creationDate: number;
  readonly keyState: KeyState;
  /** Epoch milliseconds; set while pending deletion. */
  readonly deletionDate: number | undefined;
  /** The key policy, as the JSON text the caller put. */
  readonly policy: string;
  /** 32 bytes of AES key: secret, never leaves the simulator. */
  readonly material: Uint8Array;
}

export interface KmsAlias {
  readonly aliasName: string;
  readonly targetKeyId: string;
  readonly creationDate: number;
  readonly lastUpdatedDate: number;
}

const MATERIAL_BYTES = 32;

const storedKeySchema = z.strictObject({
  keyId: z.uuid(),
  description: z.string(),
  creationDate: z.number().int(),
  keyState: z.enum(['Enabled', 'Disabled', 'PendingDeletion']),
  deletionDate: z.number().int().optional(),
  policy: z.string().min(1),
  material: z.base64().refine((text) => Buffer.from(text, 'base64').byteLength === MATERIAL_BYTES),
});

const storedAliasesSchema = z.array(
  z.strictObject({
    aliasName: z.string().min(1),
    targetKeyId: z.uuid(),
    creationDate: z.number().int(),
    lastUpdatedDate: z.number().int(),
  }),
);

function invalidState(path: string, error: z.ZodError): KmsSimulatorError {
  return new KmsSimulatorError(
    'KMS_SIM_STATE_INVALID',
    `KMS simulator state file ${path} is not valid: ${error.message}`,
  );
}

/**
 * Keys and aliases, kept in memory and written through to the state directory (one file per key, one for the
 * aliases; 0600) so that they survive a restart. Keys past their deletion date are deleted, with their aliases,
 * the next time the store is touched, as KMS deletes them at the end of the waiting period.
 */
export class KeyStore {
  readonly #directory: string;
  readonly #now: () => number;
  readonly #keys = new Map<string, KmsKey>();
  readonly #aliases = new Map<string, KmsAlias>();

  private constructor(directory: string, now: () => number) {
    this.#directory = directory;
    this.#now = now;
  }

  static open(directory: string, now: () => number = Date.now): KeyStore {
    const store = new KeyStore(directory, now);
    ensurePrivateDirectory(store.#keysDirectory);
    for (const file of readdirSync(store.#keysDirectory).filter((name) => name.endsWith('.json'))) {
      const path = join(store.#keysDirectory, file);
      const parsed = storedKeySchema.safeParse(readJsonFile(path));
      if (!parsed.success) throw invalidState(path, parsed.error);
      const { deletionDate, material, ...rest } = parsed.data;
      store.#keys.set(rest.keyId, {
        ...rest,
        deletionDate,
        material: new Uint8Array(Buffer.from(material, 'base64')),
      });
    }
    const aliasesPath = store.#aliasesPath;
    const aliases = storedAliasesSchema.safeParse(readJsonFile(aliasesPath) ?? []);
    if (!aliases.success) throw invalidState(aliasesPath, aliases.error);
    for (const alias of aliases.data) store.#aliases.set(alias.aliasName, alias);
    return store;
  }

  get #keysDirectory(): string {
    return join(this.#directory, 'keys');
  }

  get #aliasesPath(): string {
    return join(this.#directory, 'aliases.json');
  }

  createKey(input: {
    readonly keyId: string;
    readonly description: string;
    readonly policy: string;
  }): KmsKey {
    const key: KmsKey = {
      keyId: input.keyId,
      description: input.description,
      creationDate: this.#now(),
      keyState: 'Enabled',
      deletionDate: undefined,
      policy: input.policy,
      material: new Uint8Array(randomBytes(MATERIAL_BYTES)),
    };
    this.saveKey(key);
    return key;
  }

  key(keyId: string): KmsKey | undefined {
    this.#purgeDeleted();
    return this.#keys.get(keyId);
  }

  /** Every key, oldest first. */
  keys(): KmsKey[] {
    this.#purgeDeleted();
    return [...this.#keys.values()].sort(
      (a, b) => a.creationDate - b.creationDate || (a.keyId < b.keyId ? -1 : 1),
    );
  }

  saveKey(key: KmsKey): void {
    const { material, deletionDate, ...rest } = key;
    const stored = {
      ...rest,
      ...(deletionDate === undefined ? {} : { deletionDate }),
      material: Buffer.from(material).toString('base64'),
    };
    writePrivateFile(join(this.#keysDirectory, `${key.keyId}.json`), `${JSON.stringify(stored, null, 2)}\n`);
    this.#keys.set(key.keyId, key);
  }

  alias(aliasName: string): KmsAlias | undefined {
    this.#purgeDeleted();
    return this.#aliases.get(aliasName);
  }

  /** Every alias, by name. */
  aliases(): KmsAlias[] {
    this.#purgeDeleted();
    return [...this.#aliases.values()].sort((a, b) => (a.aliasName < b.aliasName ? -1 : 1));
  }

  createAlias(aliasName: string, targetKeyId: string): KmsAlias {
    const now = this.#now();
    const alias: KmsAlias = { aliasName, targetKeyId, creationDate: now, lastUpdatedDate: now };
    this.#aliases.set(aliasName, alias);
    this.#saveAliases();
    return alias;
  }

  #saveAliases(): void {
    writePrivateFile(this.#aliasesPath, `${JSON.stringify([...this.#aliases.values()], null, 2)}\n`);
  }

  #purgeDeleted(): void {
    const now = this.#now();
    const deleted = [...this.#keys.values()].filter(
      (k) => k.deletionDate !== undefined && k.deletionDate <= now,
    );
    if (deleted.length === 0) return;
    for (const key of deleted) {
      this.#keys.delete(key.keyId);
      removeFile(join(this.#keysDirectory, `${key.keyId}.json`));
      for (const alias of this.#aliases.values()) {
        if (alias.targetKeyId === key.keyId) this.#aliases.delete(alias.aliasName);
      }
    }
    this.#saveAliases();
  }
}
