/** Reading a party's input files: CSV (RFC 4180 quoting, column typing), JSON and NDJSON. */
import { describe, expect, it } from 'vitest';
import { parseInputFile } from '../../parent/cli/party/input-file.js';

describe('parseInputFile', () => {
  it('reads a CSV column as numbers, or as strings when any cell is not a number', () => {
    const csv = 'id,salary\r\n007,"100000"\n"a ""b"", c",2.5e3\n';
    expect(parseInputFile(csv, 'csv', 'salary')).toEqual([100_000, 2500]);
    expect(parseInputFile(csv, 'csv', 'id')).toEqual(['007', 'a "b", c']);
    expect(parseInputFile('x\n1\n2\n', 'csv', undefined)).toEqual([1, 2]);
    expect(parseInputFile('x,y\n1,2\n3,4\n', 'csv', undefined)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('reads JSON and NDJSON, picking a field with a column', () => {
    expect(parseInputFile('[{"v":1},{"v":2}]', 'json', 'v')).toEqual([1, 2]);
    expect(parseInputFile('"a"\n\n"b"\n', 'ndjson', undefined)).toEqual(['a', 'b']);
  });

  it('refuses malformed files without echoing their content', () => {
    expect(() => parseInputFile('x\n"secret', 'csv', undefined)).toThrow(
      expect.objectContaining({ code: 'INPUT_FILE_INVALID' }),
    );
    expect(() => parseInputFile('[secret', 'json', undefined)).toThrow(/^JSON input is not valid JSON$/);
    expect(() => parseInputFile('x,y\n1\n', 'csv', undefined)).toThrow(/different numbers of fields/);
    expect(() => parseInputFile('[1]', 'json', 'v')).toThrow(/array of objects/);
  });
});
