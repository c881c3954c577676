/** RFC 4180 rows: quoted fields may hold commas, quotes ("") and newlines; CRLF or LF line ends. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') endRow();
    else if (c !== '\r') field += c;
  }
  if (quoted) throw new Error('a quoted field is not closed');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

// A leading zero (007) marks an identifier, not a number: set items must keep their spelling.
const NUMBER_RE = /^[+-]?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A column's cells as numbers when every cell is one, else all as strings (set items never change type). */
export function typedColumn(cells: readonly string[]): (number | string)[] {
  const trimmed = cells.map((c) => c.trim());
  return trimmed.every((c) => NUMBER_RE.test(c)) ? trimmed.map(Number) : trimmed;
}
