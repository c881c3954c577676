import type { z } from 'zod';
import { type KmsServiceError, kmsError } from './errors.js';

/**
 * Turns schema failures into KMS's ValidationException text ("1 validation error detected: Value null at
 * 'keyId' failed to satisfy constraint: Member must not be null"). Values are never echoed: they may be
 * plaintext.
 */
function memberPath(path: readonly PropertyKey[]): string {
  return path
    .map((part) => (typeof part === 'string' ? part.charAt(0).toLowerCase() + part.slice(1) : String(part)))
    .join('.');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  const at = memberPath(issue.path);
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    return `Value null at '${at}' failed to satisfy constraint: Member must not be null`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `Unknown member(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}${at ? ` in '${at}'` : ''}`;
  }
  return `Value at '${at}' failed to satisfy constraint: ${issue.message}`;
}

export function validationError(error: z.ZodError, input: unknown): KmsServiceError {
  const issues = error.issues.map((issue) => describe(issue, input));
  const count =
    issues.length === 1 ? '1 validation error detected' : `${issues.length} validation errors detected`;
  return kmsError.validation(`${count}: ${issues.join('; ')}`);
}
