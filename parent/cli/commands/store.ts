import type { Command } from 'commander';
import { StoreError } from '../../../protocol/store/index.js';
import { parseTransportAddress } from '../../../protocol/transport/index.js';
import { createStoreLogger, inspectStore, openFileStore, serveSealedStore } from '../../store/index.js';
import { CliError, EXIT } from '../errors.js';
import { printJson, reportFailure } from '../output.js';
import { untilSignal } from '../until-signal.js';

interface ServeFlags {
  dir: string;
  listen: string;
  maxBytes?: string;
  uploadTimeout?: string;
  jsonLogs?: boolean;
}

interface InspectFlags {
  dir: string;
  json?: boolean;
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new CliError('CLI_USAGE', `--${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Bad flags are usage errors (2); a store that cannot be opened or served is a refusal (1). */
function exitFor(error: unknown, reported: number): number {
  return error instanceof StoreError && error.code === 'STORE_OPTIONS_INVALID' ? EXIT.usage : reported;
}

async function serveCommand(flags: ServeFlags): Promise<number> {
  const logger = createStoreLogger({ json: flags.jsonLogs === true });
  try {
    const maxBytes = positiveInteger('max-bytes', flags.maxBytes);
    const timeoutSeconds = positiveInteger('upload-timeout', flags.uploadTimeout);
    try {
      parseTransportAddress(flags.listen);
    } catch (cause) {
      throw new CliError('CLI_USAGE', `--listen: ${(cause as Error).message}`, { cause });
    }
    const store = await openFileStore(flags.dir, {
      ...(maxBytes === undefined ? {} : { maxBytes }),
      ...(timeoutSeconds === undefined ? {} : { uploadIdleTimeoutMs: timeoutSeconds * 1000 }),
    });
    const opened = store.stats();
    logger.info(
      {
        dir: flags.dir,
        logBytes: opened.logBytes,
        batches: opened.batches,
        records: opened.records,
        sessions: opened.sessions,
        recoveredTornBytes: opened.recoveredTornBytes,
      },
      'opened',
    );
    let server: Awaited<ReturnType<typeof serveSealedStore>>;
    try {
      server = await serveSealedStore(store, flags.listen, { log: logger });
    } catch (error) {
      await store.close();
      throw error;
    }
    logger.info({ listen: server.address, ...(maxBytes === undefined ? {} : { maxBytes }) }, 'ready');
    const signal = await untilSignal();
    logger.info({ signal }, 'stopping');
    await server.close();
    const { appends, fsyncs, compactions, logBytes } = store.stats();
    await store.close();
    logger.info({ appends, fsyncs, compactions, logBytes }, 'stopped');
    return EXIT.ok;
  } catch (error) {
    if (error instanceof StoreError)
      logger.fatal({ code: error.code, details: error.details }, error.message);
    return exitFor(error, reportFailure(error, false));
  }
}

async function inspectCommand(flags: InspectFlags): Promise<number> {
  const json = flags.json === true;
  try {
    const view = await inspectStore(flags.dir);
    if (json) {
      printJson(view);
      return EXIT.ok;
    }
    const lines = [
      `store ${view.dir}`,
      `log: ${view.logBytes} bytes, ${view.batches} batches, ${view.records} records${view.uncommittedBytes > 0 ? ` (+${view.uncommittedBytes} bytes not committed)` : ''}`,
      `seal key: ${view.sealKey ? 'present' : 'absent'}`,
      `sessions: ${view.sessions.length}`,
      ...view.sessions.map((s) => `  ${s.sessionId} records=${s.records} bytes=${s.bytes}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  } catch (error) {
    return exitFor(error, reportFailure(error, json));
  }
}

export function registerStoreCommands(program: Command, setExit: (code: number) => void): void {
  const store = program
    .command('store')
    .description("the parent's append-only store of sealed records (the enclave's persistence)");
  store
    .command('serve')
    .description('serve the store in --dir to the enclave at --listen, until SIGTERM/SIGINT')
    .requiredOption('--dir <dir>', 'the store directory (created 0700 if missing)')
    .requiredOption(
      '--listen <address>',
      'where the enclave connects, e.g. vsock://any:7000 (unix:///path in simulator mode)',
    )
    .option('--max-bytes <n>', 'refuse appends that would grow the log beyond n bytes (STORE_FULL)')
    .option('--upload-timeout <s>', 'drop an upload that sends nothing for this long (default 30)')
    .option('--json-logs', 'log JSON lines (pino) instead of readable lines')
    .action(async (flags: ServeFlags) => setExit(await serveCommand(flags)));
  store
    .command('inspect')
    .description('sessions, record counts, bytes and whether a seal key is stored: metadata only, read-only')
    .requiredOption('--dir <dir>', 'the store directory')
    .option('--json', 'print one JSON object')
    .action(async (flags: InspectFlags) => setExit(await inspectCommand(flags)));
}
