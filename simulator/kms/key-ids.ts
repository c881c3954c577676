/**
 * KMS identifiers in their real formats: key ids are UUIDs, key ARNs `arn:aws:kms:<region>:<account>:key/<id>`,
 * aliases `alias/<name>` and alias ARNs `arn:aws:kms:<region>:<account>:alias/<name>`.
 */

export interface KmsScope {
  readonly region: string;
  readonly accountId: string;
}

export type KeyReference =
  | { readonly kind: 'key'; readonly keyId: string }
  | { readonly kind: 'alias'; readonly aliasName: string };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** AliasName: `alias/` then letters, digits, `/`, `_`, `-` (KMS API Reference, CreateAlias). */
export const ALIAS_NAME_RE = /^alias\/[a-zA-Z0-9/_-]+$/;
const ARN_RE = /^arn:aws:kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/;

export function isKeyId(text: string): boolean {
  return UUID_RE.test(text);
}

export function keyArn(scope: KmsScope, keyId: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:key/${keyId}`;
}

export function aliasArn(scope: KmsScope, aliasName: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:${aliasName}`;
}

/**
 * Reads a `KeyId` request field. Returns undefined when the text is no identifier of this account and region
 * (KMS answers NotFoundException then).
 */
export function parseKeyReference(text: string, scope: KmsScope): KeyReference | undefined {
  if (isKeyId(text)) return { kind: 'key', keyId: text };
  if (ALIAS_NAME_RE.test(text)) return { kind: 'alias', aliasName: text };
  const arn = ARN_RE.exec(text);
  if (!arn || arn[1] !== scope.region || arn[2] !== scope.accountId) return undefined;
  const [, , , kind, rest = ''] = arn;
  if (kind === 'key') return isKeyId(rest) ? { kind: 'key', keyId: rest } : undefined;
  const aliasName = `alias/${rest}`;
  return ALIAS_NAME_RE.test(aliasName) ? { kind: 'alias', aliasName } : undefined;
}
