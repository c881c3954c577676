/** What a person can do about a code: printed after the error, and as `hint` with --json. */
const HINTS: Readonly<Record<string, string>> = {
  CLI_USAGE: 'run the command with --help',
  CLI_IO: 'check the path and its permissions',
  KEY_FILE_EXISTS: 'choose another --out, or pass --force to replace it (the old keys are lost)',
  KEY_FILE_INVALID: 'pass the file `nitro-mpc keygen --out` wrote',
  ENDPOINT_REQUIRED:
    'pass --endpoint unix://... | tcp://host:port | vsock://cid:port, or set NITRO_MPC_ENDPOINT',
  TRANSPORT_CONNECT_FAILED: 'check that the enclave (or the parent proxy) is running at --endpoint',
  ENDPOINT_UNREACHABLE: 'check that the enclave (or the parent proxy) is running at that address',
  ATTESTATION_REQUIRED: 'run `nitro-mpc session attest` with the same --manifest and --key first',
  INPUT_FILE_INVALID: 'check --format and --column; CSV needs a header row',
  FUNCTION_UNKNOWN: 'list the enclave functions with `node dist/enclave/main.mjs --list-functions`',
  MANIFEST_INVALID: 'fix the manifest flags, or ask the party who wrote it for a new one',
  MANIFEST_NOT_CANONICAL: 'use the manifest bytes exactly as `nitro-mpc manifest init` wrote them',
  ATTESTATION_PCR_MISMATCH:
    'the enclave does not run the image the manifest names: do not send inputs; compare PCRs with the manifest',
  ATTESTATION_ROOT_UNTRUSTED: 'pass the right --root (the simulator root in simulator mode)',
  ATTESTATION_CHAIN_INVALID: 'pass the right --root (the simulator root in simulator mode)',
  ATTESTATION_CERT_EXPIRED: 'run `nitro-mpc session attest` again for a fresh document',
  ATTESTATION_BINDING_INVALID: 'the enclave answered for another session: do not send inputs',
  RECEIPT_INVALID: 'the receipt does not verify: do not rely on its content',
  HPKE_OPEN_FAILED:
    'a result: use the key file of the recipient it is for; an input: send it again sealed with your own key file',
  SENDER_KEY_MISSING: 'the manifest has no HPKE key for you: inputs must be signed (update the SDK or CLI)',
};

export function hintFor(code: string): string | undefined {
  return HINTS[code] ?? (code.startsWith('ATTESTATION_') ? 'do not send inputs to this enclave' : undefined);
}
