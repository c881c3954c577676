import { createAlias, listAliases } from './aliases.js';
import { generateDataKey, generateDataKeyWithoutPlaintext } from './data-keys.js';
import { decrypt, encrypt } from './encrypt-decrypt.js';
import { getKeyPolicy, putKeyPolicy } from './key-policy.js';
import { createKey, describeKey, disableKey, enableKey, listKeys, scheduleKeyDeletion } from './keys.js';
import type { KmsOperation } from './operation.js';
import { generateRandom } from './random.js';

export type { OperationContext } from './context.js';
export type { KmsOperation } from './operation.js';

/** The operations the simulator answers, by the name in `X-Amz-Target: TrentService.<Name>`. */
export const KMS_OPERATIONS: ReadonlyMap<string, KmsOperation> = new Map(
  [
    createKey,
    describeKey,
    listKeys,
    enableKey,
    disableKey,
    scheduleKeyDeletion,
    createAlias,
    listAliases,
    putKeyPolicy,
    getKeyPolicy,
    encrypt,
    decrypt,
    generateDataKey,
    generateDataKeyWithoutPlaintext,
    generateRandom,
  ].map((operation) => [operation.name, operation]),
);
