import type { Cert } from '../../../attestation/index.js';
import type { KmsScope } from '../key-ids.js';
import type { KeyStore } from '../key-store.js';

/** Everything an operation may use: the store, who calls, and how to judge a Recipient's document. */
export interface OperationContext {
  readonly store: KeyStore;
  readonly scope: KmsScope;
  readonly caller: {
    /** ARNs that name the caller in key policies (role and assumed-role session). */
    readonly principalArns: readonly string[];
    /** The ARN KMS reports in AccessDeniedException messages. */
    readonly arn: string;
  };
  readonly recipient: {
    /** Trusted NSM roots for Recipient attestation documents. */
    readonly roots: readonly Cert[];
    readonly maxAgeMs: number;
  };
  readonly now: () => number;
}
