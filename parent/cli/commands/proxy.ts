import type { Command } from 'commander';
import { formatTransportAddress } from '../../../protocol/transport/index.js';
import { createProxyLogger, ProxyError, parseProxyConfig, startProxy } from '../../proxy/index.js';
import { EXIT } from '../errors.js';
import { reportFailure } from '../output.js';
import { untilSignal } from '../until-signal.js';

interface ProxyFlags {
  listen: string;
  enclave: string;
  egress: string[];
  allow?: string;
  metrics?: string;
  maxConnections?: string;
  maxEgressConnections?: string;
  idleTimeout?: string;
  connectTimeout?: string;
  drainTimeout?: string;
  jsonLogs?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function proxyCommand(flags: ProxyFlags): Promise<number> {
  const json = flags.jsonLogs === true;
  const logger = createProxyLogger({ json });
  try {
    const config = parseProxyConfig({
      listen: flags.listen,
      enclave: flags.enclave,
      egress: flags.egress,
      ...(flags.allow === undefined ? {} : { allow: flags.allow }),
      ...(flags.metrics === undefined ? {} : { metrics: flags.metrics }),
      ...(flags.maxConnections === undefined ? {} : { maxConnections: flags.maxConnections }),
      ...(flags.maxEgressConnections === undefined
        ? {}
        : { maxEgressConnections: flags.maxEgressConnections }),
      ...(flags.idleTimeout === undefined ? {} : { idleTimeout: flags.idleTimeout }),
      ...(flags.connectTimeout === undefined ? {} : { connectTimeout: flags.connectTimeout }),
      ...(flags.drainTimeout === undefined ? {} : { drainTimeout: flags.drainTimeout }),
    });
    const proxy = await startProxy(config, logger);
    // Handlers first: whoever reads `ready` may signal at once, and a SIGTERM before them would kill, not drain.
    const signalled = untilSignal();
    logger.info(
      {
        ingress: formatTransportAddress(proxy.ingress),
        enclave: formatTransportAddress(config.enclave),
        egress: proxy.egress.map((route) => `${formatTransportAddress(route.listen)}=${route.remote}`),
        ...(proxy.admin === undefined ? {} : { admin: formatTransportAddress(proxy.admin) }),
        maxConnections: proxy.limits.ingress,
        maxEgressConnections: proxy.limits.egress,
        ...(proxy.limits.fdLimit === undefined ? {} : { fdLimit: proxy.limits.fdLimit }),
      },
      'ready',
    );
    const signal = await signalled;
    logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
    const { drained, cut } = await proxy.shutdown();
    logger.info({ drained, cut }, 'stopped');
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ProxyError)
      logger.fatal({ code: error.code, details: error.details }, error.message);
    const code = reportFailure(error, false);
    // A bad flag or file is a usage error; everything else (resolve, bind, refusal) is a refusal to start.
    return error instanceof ProxyError &&
      (error.code === 'PROXY_CONFIG_INVALID' || error.code === 'PROXY_ALLOWLIST_INVALID')
      ? EXIT.usage
      : code;
  }
}

export function registerProxyCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('proxy')
    .description(
      'relay parties to the enclave (ingress) and the enclave to allow-listed remotes (egress), until SIGTERM/SIGINT',
    )
    .requiredOption('--listen <address>', 'where parties connect, e.g. tcp://0.0.0.0:8443')
    .requiredOption(
      '--enclave <address>',
      "the enclave's address, e.g. vsock://16:5000 (unix:///path in simulator mode)",
    )
    .option(
      '--egress <listen=host:port>',
      'relay connections the enclave makes to <listen> (e.g. vsock://3:8000) to <host>:<port>, which must be on --allow (repeatable)',
      collect,
      [],
    )
    .option(
      '--allow <file>',
      "the egress allow-list, in vsock-proxy's YAML format (allowlist: [{address, port}])",
    )
    .option('--metrics <address>', 'serve /metrics and /healthz here, e.g. tcp://127.0.0.1:9100')
    .option(
      '--max-connections <n>',
      'refuse party connections beyond this many open ones (default 10000, lowered to fit the open-file limit: each needs two descriptors)',
    )
    .option(
      '--max-egress-connections <n>',
      'refuse egress connections beyond this many, per route (default 256)',
    )
    .option('--idle-timeout <s>', 'close a connection silent in both directions this long (default 300)')
    .option(
      '--connect-timeout <s>',
      'give up connecting to the enclave or a remote after this long (default 5)',
    )
    .option(
      '--drain-timeout <s>',
      'on SIGTERM/SIGINT, wait this long for open connections to end (default 30)',
    )
    .option('--json-logs', 'log JSON lines (pino) instead of readable lines')
    .action(async (flags: ProxyFlags) => setExit(await proxyCommand(flags)));
}
