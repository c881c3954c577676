/**
 * The enclave application's composition root (the EIF's entry point). It reads its ports from the environment,
 * starts status and logging first so that a failed start is still reported, then the NSM, KMS client and the
 * session service, and stops them in reverse. The session service lands with issue 5; until then this entry
 * opens the NSM and reports what it would serve.
 */
import { openNsmDevice } from './nsm/index.js';

interface EnclaveConfig {
  /** vsock port parties' traffic arrives on (through the parent's proxy). */
  readonly listenPort: number;
  /** vsock port of the parent's KMS egress proxy. */
  readonly kmsEgressPort: number;
}

function readConfig(env: NodeJS.ProcessEnv): EnclaveConfig {
  const port = (name: string, fallback: number): number => {
    const text = env[name];
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < 1 || value > 0xffff_ffff) {
      throw new Error(`${name} must be a vsock port number, got ${text}`);
    }
    return value;
  };
  return {
    listenPort: port('NITRO_MPC_ENCLAVE_PORT', 5000),
    kmsEgressPort: port('NITRO_MPC_KMS_EGRESS_PORT', 8000),
  };
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  process.stdout.write(
    `nitro-mpc enclave starting (vsock ${config.listenPort}, KMS egress ${config.kmsEgressPort})\n`,
  );
  const nsm = await openNsmDevice();
  try {
    const description = await nsm.describe();
    process.stdout.write(`NSM ${description.moduleId} ready\n`);
  } finally {
    await nsm.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `nitro-mpc enclave failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
