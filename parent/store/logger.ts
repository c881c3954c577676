/**
 * The store server's logger: pino, JSON lines with `--json-logs`, otherwise one readable line per event. Callers
 * log codes, counts, sizes and session ids (public), never record bytes or the seal-key blob.
 */
import { type Logger, pino } from 'pino';

const LEVELS: Readonly<Record<number, string>> = { 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

function readable(line: string): string {
  const { time, level, msg, pid: _p, hostname: _h, ...facts } = JSON.parse(line) as Record<string, unknown>;
  const when = typeof time === 'number' ? new Date(time).toISOString() : '';
  const rest = Object.entries(facts)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${when} ${LEVELS[Number(level)] ?? String(level)} ${String(msg ?? '')}${rest ? ` ${rest}` : ''}\n`;
}

export function createStoreLogger(options: { json: boolean; write?: (line: string) => void }): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  return pino(
    { base: { component: 'store' }, level: 'info' },
    { write: (line: string) => write(options.json ? line : readable(line)) },
  );
}
