/** `nitro-mpc proxy` without the built CLI: what tests run until dist/cli.js registers the command. */
import { Command } from 'commander';
import { registerProxyCommands } from '../../parent/cli/commands/proxy.js';

let exitCode = 0;
const program = new Command('nitro-mpc').exitOverride();
registerProxyCommands(program, (code) => {
  exitCode = code;
});
program.parseAsync(process.argv).then(
  () => {
    process.exitCode = exitCode;
  },
  () => {
    process.exitCode = 2;
  },
);
