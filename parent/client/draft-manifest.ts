import { randomBytes } from 'node:crypto';
import {
  type HpkePublicKey,
  type Manifest,
  parseManifest,
  type SigningPublicKey,
} from '../../protocol/index.js';

/** What a manifest needs to know of a party: its id and public keys. */
export interface ManifestParty {
  readonly id: string;
  readonly signing: { readonly publicKey: SigningPublicKey };
  readonly hpke: { readonly publicKey: HpkePublicKey };
}

export interface DraftManifestOptions {
  /** The pinned function: id, version and the measurement this enclave build reports. */
  readonly fn: { readonly id: string; readonly version: string; readonly measurement: string };
  readonly parameters: unknown;
  readonly parties: readonly ManifestParty[];
  /** Ids of the parties that provide an input (default: every party). */
  readonly providers?: readonly string[];
  /** The enclave PCRs parties expect. */
  readonly pcrs: readonly { readonly index: number; readonly allowed: readonly string[] }[];
  /** Name of each provider's input (default `<party id>-input`). */
  readonly inputName?: (partyId: string) => string;
  readonly maxInputBytes?: number;
  /** Submission window from now (default one hour, opened a minute ago for clock skew). */
  readonly windowMs?: number;
  /** Who may ask for evaluation (default: the first party). */
  readonly requesters?: readonly string[];
}

/**
 * The common shape of a session: every provider gives one input once, every party receives the full result
 * encrypted to its key, all inputs are needed, resubmissions are refused, one round, evaluation on request.
 * Returns a validated manifest with a fresh salt (so its session id is new).
 */
export function draftManifest(options: DraftManifestOptions): Manifest {
  const now = Date.now();
  const providers = options.providers ?? options.parties.map((p) => p.id);
  const inputName = options.inputName ?? ((id: string) => `${id}-input`);
  return parseManifest({
    version: 1,
    salt: randomBytes(16).toString('hex'),
    function: { id: options.fn.id, version: options.fn.version, measurement: options.fn.measurement },
    parameters: options.parameters,
    parties: options.parties.map((p) => ({
      id: p.id,
      displayName: p.id,
      signingKey: p.signing.publicKey,
      hpkePublicKey: p.hpke.publicKey,
    })),
    inputs: providers.map((id) => ({
      name: inputName(id),
      provider: id,
      schema: 'any',
      maxBytes: options.maxInputBytes ?? 64 << 20,
      provide: 'once',
    })),
    recipients: options.parties.map((p) => ({ party: p.id, view: 'full', delivery: 'encrypted' })),
    threshold: providers.length,
    window: { opensAt: now - 60_000, closesAt: now + (options.windowMs ?? 3_600_000) },
    resubmission: 'reject',
    evaluation: {
      trigger: 'on-request',
      requesters: [...(options.requesters ?? [options.parties[0]?.id ?? ''])],
    },
    rounds: 1,
    enclave: { pcrs: options.pcrs.map((p) => ({ index: p.index, allowed: [...p.allowed] })) },
  });
}
