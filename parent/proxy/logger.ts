/**
 * The proxy's logger: pino, JSON lines with `--json-logs`, otherwise one readable line per event. Callers log
 * connection facts only (ids, addresses, byte counts, durations, reasons), never payload bytes.
 */
import { type Logger, pino } from 'pino';

const LEVELS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function readableLine(line: string): string {
  const {
    time,
    level,
    msg,
    pid: _pid,
    hostname: _host,
    ...facts
  } = JSON.parse(line) as Record<string, unknown>;
  const when = typeof time === 'number' ? new Date(time).toISOString() : '';
  const rest = Object.entries(facts)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${when} ${LEVELS[Number(level)] ?? String(level)} ${String(msg ?? '')}${rest ? ` ${rest}` : ''}\n`;
}

export function createProxyLogger(options: { json: boolean; write?: (line: string) => void }): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  return pino(
    { base: { component: 'proxy' }, level: 'info' },
    { write: (line: string) => write(options.json ? line : readableLine(line)) },
  );
}
