import { createPublicKey } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isHex } from '../../../common/bytes.js';
import type { ConfigurablePcr } from '../../../simulator/nsm/index.js';
import { resolveSimStateDir, SIM_DIR_ENV } from '../../../simulator/state-dir.js';
import { CliError, EXIT } from '../errors.js';
import { printJson, reportFailure } from '../output.js';
import { runningSimulation } from '../sim/process-file.js';
import { parsePcrs } from './attestation.js';

interface StateDirFlags {
  stateDir?: string;
  json?: boolean;
}

interface AttestFlags extends StateDirFlags {
  publicKey?: string;
  userData?: string;
  nonce?: string;
  pcr: string[];
  debug?: boolean;
  bundle?: string;
  out?: string;
}

const CONFIGURABLE_PCRS: readonly number[] = [3, 4, 8];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError('CLI_USAGE', `--port ${text}: expected 0..65535 (0 picks a free port)`);
  }
  return port;
}

async function readFileFlag(name: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot read --${name} ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** A public key file, DER or PEM (SPKI, or a private key whose public half is meant), as SPKI DER. */
async function publicKeyFlag(path: string): Promise<Uint8Array> {
  const data = await readFileFlag('public-key', path);
  try {
    const text = data.toString('latin1');
    const key = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: data, format: 'der', type: 'spki' });
    return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
  } catch (cause) {
    throw new CliError('CLI_USAGE', `--public-key ${path} is not a DER or PEM public key`, { cause });
  }
}

function hexFlag(name: string, value: string | undefined): Uint8Array | undefined {
  if (value === undefined) return undefined;
  const clean = value.replace(/^0x/i, '');
  if (!isHex(clean)) throw new CliError('CLI_USAGE', `--${name}: expected an even-length hex string`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

async function attestCommand(flags: AttestFlags): Promise<number> {
  const json = flags.json === true;
  try {
    const pcrs: Partial<Record<ConfigurablePcr, string>> = {};
    for (const [index, values] of Object.entries(parsePcrs(flags.pcr))) {
      if (!CONFIGURABLE_PCRS.includes(Number(index)) || values.length !== 1) {
        throw new CliError('CLI_USAGE', `--pcr ${index}: only PCR3, PCR4 and PCR8 can be set, once each`);
      }
      pcrs[Number(index) as ConfigurablePcr] = values[0] as string;
    }
    const publicKey = flags.publicKey === undefined ? undefined : await publicKeyFlag(flags.publicKey);
    const userData = hexFlag('user-data', flags.userData);
    const nonce = hexFlag('nonce', flags.nonce);
    const bundle =
      flags.bundle === undefined ? undefined : new Uint8Array(await readFileFlag('bundle', flags.bundle));
    const { createSimulatedNsm } = await import('../../../simulator/nsm/index.js');
    const nsm = await createSimulatedNsm({
      stateDir: resolveSimStateDir(flags.stateDir),
      pcrs,
      debug: flags.debug === true,
      ...(bundle === undefined ? {} : { bundle }),
    });
    try {
      const document = await nsm.attest({
        ...(publicKey === undefined ? {} : { publicKey }),
        ...(userData === undefined ? {} : { userData }),
        ...(nonce === undefined ? {} : { nonce }),
      });
      if (flags.out !== undefined) {
        try {
          await writeFile(flags.out, document);
        } catch (cause) {
          throw new CliError('CLI_IO', `cannot write --out ${flags.out}: ${(cause as Error).message}`, {
            cause,
          });
        }
      }
      const base64 = Buffer.from(document).toString('base64');
      if (json) {
        printJson({
          ...(flags.out === undefined ? { document: base64 } : { out: flags.out }),
          rootCertificate: nsm.rootCertificate.path,
          moduleId: nsm.moduleId,
          pcrs: Object.fromEntries(Object.entries(nsm.bootPcrs)),
        });
      } else if (flags.out === undefined) {
        process.stdout.write(`${base64}\n`);
      } else {
        process.stdout.write(
          `wrote ${flags.out} (${document.byteLength} bytes); trust ${nsm.rootCertificate.path}\n`,
        );
      }
    } finally {
      await nsm.close();
    }
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, json);
  }
}

function stateDirOption(command: Command): Command {
  return command
    .option(
      '--state-dir <dir>',
      `simulation state directory (default: $${SIM_DIR_ENV}, else a per-user directory)`,
    )
    .option('--json', 'print one JSON object');
}

function print(json: boolean, value: Record<string, unknown>, human: string): void {
  if (json) printJson(value);
  else process.stdout.write(`${human}\n`);
}

// Command modules load the simulator only when a sim command runs: the CLI starts in a fraction of the time.
export function registerSimCommands(program: Command, setExit: (code: number) => void): void {
  const sim = program
    .command('sim')
    .description('run a simulated Nitro NSM and KMS (no Nitro hardware needed)');

  stateDirOption(sim.command('start'))
    .description('start the KMS simulator in the background and print how to reach it')
    .option('--port <n>', 'KMS port (default: a free one)', '0')
    .action(async (flags: StateDirFlags & { port: string }) => {
      try {
        const { startSimulationProcess } = await import('../sim/daemon.js');
        const info = await startSimulationProcess(resolveSimStateDir(flags.stateDir), parsePort(flags.port));
        // The secret is a simulator credential, printed so that the SDK can be configured with it.
        printJson(info);
        setExit(EXIT.ok);
      } catch (error) {
        setExit(reportFailure(error, flags.json === true));
      }
    });

  stateDirOption(sim.command('status'))
    .description('say whether the simulation is running (exit 0) or not (exit 1)')
    .action((flags: StateDirFlags) => {
      try {
        const stateDir = resolveSimStateDir(flags.stateDir);
        const running = runningSimulation(stateDir);
        print(
          flags.json === true,
          running ? { running: true, pid: running.pid, ...running.info } : { running: false, stateDir },
          running
            ? `running (pid ${running.pid}), KMS at ${running.info.kmsEndpoint}`
            : `not running (${stateDir})`,
        );
        setExit(running ? EXIT.ok : EXIT.refused);
      } catch (error) {
        setExit(reportFailure(error, flags.json === true));
      }
    });

  stateDirOption(sim.command('stop'))
    .description('stop the background simulation')
    .action(async (flags: StateDirFlags) => {
      try {
        const { stopSimulationProcess } = await import('../sim/daemon.js');
        const stopped = await stopSimulationProcess(resolveSimStateDir(flags.stateDir));
        print(flags.json === true, { stopped }, stopped ? 'stopped' : 'was not running');
        setExit(EXIT.ok);
      } catch (error) {
        setExit(reportFailure(error, flags.json === true));
      }
    });

  stateDirOption(sim.command('reset'))
    .description('stop the simulation and delete its state (keys, credentials, CA)')
    .action(async (flags: StateDirFlags) => {
      try {
        const stateDir = resolveSimStateDir(flags.stateDir);
        const { stopSimulationProcess } = await import('../sim/daemon.js');
        await stopSimulationProcess(stateDir);
        await rm(stateDir, { recursive: true, force: true });
        print(flags.json === true, { reset: true, stateDir }, `reset ${stateDir}`);
        setExit(EXIT.ok);
      } catch (error) {
        setExit(reportFailure(error, flags.json === true));
      }
    });

  stateDirOption(sim.command('attest'))
    .description("write an attestation document signed by this simulation's NSM CA")
    .option('--public-key <file>', 'public key to bind (DER or PEM)')
    .option('--user-data <hex>', 'user_data to bind')
    .option('--nonce <hex>', 'nonce to bind')
    .option('--pcr <index=hex>', 'PCR3, PCR4 or PCR8 value (repeatable)', collect, [])
    .option('--debug', 'a debug-mode enclave: PCR0..2 zero')
    .option('--bundle <file>', 'the enclave code to measure into PCR0 and PCR2')
    .option('--out <file>', 'write the document here (default: base64 on stdout)')
    .action(async (flags: AttestFlags) => setExit(await attestCommand(flags)));

  sim
    .command('serve', { hidden: true })
    .description('run the simulation in the foreground (what `sim start` runs)')
    .option('--state-dir <dir>')
    .option('--port <n>', 'KMS port', '0')
    .action(async (flags: { stateDir?: string; port: string }) => {
      const { serveSimulation } = await import('../sim/daemon.js');
      await serveSimulation(resolveSimStateDir(flags.stateDir), parsePort(flags.port));
      setExit(EXIT.ok);
    });
}
