import { extname } from 'node:path';
import { z } from 'zod';
import { CliError } from '../errors.js';
import { parseCsvRows, typedColumn } from './csv.js';
import { PartyCliError } from './errors.js';

export const INPUT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const invalid = (message: string) => new PartyCliError('INPUT_FILE_INVALID', message);

/** `--format`, else the file's extension (.csv, .json, .ndjson / .jsonl). */
export function inputFormatOf(path: string, flag: string | undefined): InputFormat {
  const format =
    flag ?? { '.csv': 'csv', '.json': 'json', '.ndjson': 'ndjson', '.jsonl': 'ndjson' }[extname(path)];
  if (format === undefined) throw new CliError('CLI_USAGE', `--format: cannot tell the format of ${path}`);
  if (!(INPUT_FORMATS as readonly string[]).includes(format))
    throw new CliError('CLI_USAGE', `--format ${format}: expected ${INPUT_FORMATS.join(' | ')}`);
  return format as InputFormat;
}

function fromCsv(text: string, column: string | undefined): unknown {
  let rows: string[][];
  try {
    rows = parseCsvRows(text);
  } catch (error) {
    throw invalid(`CSV: ${(error as Error).message}`);
  }
  const [header, ...body] = rows;
  if (header === undefined) throw invalid('CSV: no header row');
  if (body.some((r) => r.length !== header.length))
    throw invalid('CSV: rows have different numbers of fields');
  const columns = header.map((_, i) => typedColumn(body.map((r) => r[i] ?? '')));
  if (column === undefined) {
    // One column: its values. Several: one array per row (e.g. regression rows).
    if (columns.length === 1) return columns[0];
    return body.map((_, r) => columns.map((c) => c[r]));
  }
  const index = header.map((h) => h.trim()).indexOf(column);
  if (index < 0) throw invalid(`CSV: no column "${column}" (columns: ${header.join(', ')})`);
  return columns[index];
}

const recordsSchema = z.array(z.record(z.string(), z.unknown()));

function pick(values: unknown, column: string | undefined, what: string): unknown {
  if (column === undefined) return values;
  const parsed = recordsSchema.safeParse(values);
  if (!parsed.success) throw invalid(`${what}: --column needs an array of objects`);
  return parsed.data.map((record, i) => {
    if (!(column in record)) throw invalid(`${what}: item ${i} has no field "${column}"`);
    return record[column];
  });
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the text: never echo input plaintext.
    throw invalid(`${where} is not valid JSON`);
  }
}

/** The value to encrypt and send, read from a CSV, JSON or newline-delimited JSON file. */
export function parseInputFile(text: string, format: InputFormat, column: string | undefined): unknown {
  if (format === 'csv') return fromCsv(text, column);
  if (format === 'json') return pick(parseJson(text, 'JSON input'), column, 'JSON');
  const lines = text.split(/\r?\n/);
  const values = lines.flatMap((line, i) =>
    line.trim() === '' ? [] : [parseJson(line, `NDJSON line ${i + 1}`)],
  );
  return pick(values, column, 'NDJSON');
}
