import type { Command } from 'commander';
import { registerKeygenCommand } from './keygen.js';
import { registerManifestCommands } from './manifest.js';
import { registerReceiptCommands } from './receipt.js';
import { registerSessionCommands } from './session.js';

/** The party's commands: keygen, manifest, session and receipt. */
export function registerPartyCommands(program: Command, setExit: (code: number) => void): void {
  registerKeygenCommand(program, setExit);
  registerManifestCommands(program, setExit);
  registerSessionCommands(program, setExit);
  registerReceiptCommands(program, setExit);
}
