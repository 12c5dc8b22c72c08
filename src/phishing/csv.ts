/**
 * RFC 4180 records, as spreadsheets export them: fields separated by commas, records by CRLF
 * or LF, quoted fields (`"a, ""b"""`) that may hold commas and line breaks, a UTF-8 BOM
 * dropped. Each record keeps the line it starts on, so an audience error points at the line
 * the user sees in their editor.
 */

export interface CsvRecord {
  /** 1-based line of the record's first character. */
  readonly line: number;
  readonly fields: readonly string[];
}

export interface CsvLimits {
  /** Records, header included, beyond which parsing stops. */
  readonly maxRecords: number;
  readonly maxFieldLength: number;
}

/** A CSV that cannot be read at all; `line` is where the reader gave up. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Blank lines are skipped (a trailing newline is not an empty record). */
export function parseCsv(text: string, limits: CsvLimits): CsvRecord[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let index = 0;
  while (index < source.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (source[index] === '"') {
        index++;
        for (;;) {
          if (index >= source.length) throw new CsvSyntaxError(start, 'a quoted field is never closed');
          const char = source[index] as string;
          if (char === '"') {
            if (source[index + 1] === '"') {
              field += '"';
              index += 2;
              continue;
            }
            index++;
            break;
          }
          if (char === '\n') line++;
          field += char;
          index++;
        }
        const after = source[index];
        if (after !== undefined && after !== ',' && after !== '\n' && !(after === '\r' && source[index + 1] === '\n'))
          throw new CsvSyntaxError(line, 'text after a closing quote (write a quote inside a quoted field as "")');
      } else {
        const end = nextDelimiter(source, index);
        field = source.slice(index, end);
        if (field.includes('"')) throw new CsvSyntaxError(line, 'a quote inside an unquoted field (quote the whole field)');
        index = end;
      }
      if (field.length > limits.maxFieldLength)
        throw new CsvSyntaxError(line, `a field is longer than ${limits.maxFieldLength} characters`);
      fields.push(field);
      if (source[index] === ',') {
        index++;
        continue;
      }
      break;
    }
    if (source[index] === '\r') index++;
    if (source[index] === '\n') index++;
    line++;
    if (fields.length === 1 && fields[0] === '') continue;
    if (records.length >= limits.maxRecords)
      throw new CsvSyntaxError(start, `more than ${limits.maxRecords - 1} recipients in one file (split it)`);
    records.push({ line: start, fields });
  }
  return records;
}

/** The index of the next comma, line break or end of text from `index`. */
function nextDelimiter(source: string, index: number): number {
  let end = index;
  while (end < source.length) {
    const char = source[end];
    if (char === ',' || char === '\n' || (char === '\r' && source[end + 1] === '\n')) break;
    end++;
  }
  return end;
}
