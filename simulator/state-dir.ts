import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The environment variable that names a simulation's state directory. */
export const SIM_DIR_ENV = 'NITRO_MPC_SIM_DIR';

/**
 * Where a simulation keeps its state: the given directory, else `$NITRO_MPC_SIM_DIR`, else a per-user directory
 * (`$XDG_STATE_HOME/nitro-mpc/sim`, or `~/.local/state/nitro-mpc/sim`). Several simulations run side by side with
 * different directories.
 */
export function resolveSimStateDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  const fromEnv = env[SIM_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  const stateHome = env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(stateHome, 'nitro-mpc', 'sim');
}
