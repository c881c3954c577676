#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerAttestationCommands } from './commands/attestation.js';
import { registerEifCommands } from './commands/eif.js';
import { registerKmsCommands } from './commands/kms.js';
import { registerProxyCommands } from './commands/proxy.js';
import { registerSimCommands } from './commands/sim.js';
import { registerStoreCommands } from './commands/store.js';
import { EXIT } from './errors.js';
import { registerPartyCommands } from './party/index.js';

/** Builds the `nitro-mpc` command tree. Each part registers its own nouns. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('nitro-mpc')
    .description('multi-party computation inside AWS Nitro Enclaves')
    .version(process.env['NITRO_MPC_VERSION'] ?? '0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerAttestationCommands(program, setExit);
  registerSimCommands(program, setExit);
  registerEifCommands(program, setExit);
  registerKmsCommands(program, setExit);
  registerPartyCommands(program, setExit);
  registerProxyCommands(program, setExit);
  registerStoreCommands(program, setExit);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; everything else is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error INTERNAL: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.usage;
  },
);
