// Streaming CSV rows as objects keyed by the header.
//
// Written by hand rather than with csv-parse: csv-parse looks at every character through its
// option machinery and took ~1 s of the communes import for the 4 MB list of 2026 (35k rows), the
// longest step before the first polygon could be sent. Here a line without a quote is cut with
// `split`, and only a record with quotes is walked character by character (RFC 4180: quoted
// fields, doubled quotes, line breaks inside quotes). papaparse gives no line numbers when it
// streams and d3-dsv does not stream; the rejections name the line.
import type { OpenedInput } from './input.ts';
import { ImportFileError } from './report.ts';

export interface CsvOptions {
  delimiter?: string;
}

type Row = { line: number; row: Record<string, string> };

const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * Cuts CSV text into records chunk by chunk: fields are trimmed unless quoted, empty lines are
 * skipped, a byte-order mark is dropped, and the first record names the columns. A record whose
 * field count differs from the header's, or a stray or unclosed quote, is a file error.
 */
class CsvScanner {
  readonly out: Row[] = [];
  #rest = '';
  /** Line number of the first character of `#rest`. */
  #line = 1;
  #columns: string[] | undefined;
  #started = false;
  readonly #name: string;
  readonly #delimiter: string;
  readonly #delimiterCode: number;

  constructor(name: string, delimiter: string) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new ImportFileError(`the CSV delimiter must be one character other than a quote or a line break, not ${JSON.stringify(delimiter)}`);
    }
    this.#name = name;
    this.#delimiter = delimiter;
    this.#delimiterCode = delimiter.charCodeAt(0);
  }

  #fail(what: string, line: number): never {
    throw new ImportFileError(`${this.#name} is not a well-formed CSV (${what}, line ${line})`);
  }

  feed(chunk: string, last = false): void {
    let text = this.#rest + chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const n = text.length;
    let pos = 0;
    let line = this.#line;
    // Where the next quote is, looked up again only once passed (else every line would search to the end).
    let quote = -1;
    while (pos < n) {
      if (quote < pos) {
        quote = text.indexOf('"', pos);
        if (quote === -1) quote = n;
      }
      let newline = text.indexOf('\n', pos);
      if (newline === -1 && !last) break; // the record may go on in the next chunk
      if (newline === -1) newline = n;
      if (quote > newline) {
        const end = newline > pos && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
        const record = text.slice(pos, end);
        if (record.trim() !== '') this.#record(record.split(this.#delimiter).map((f) => f.trim()), line);
        line++;
        pos = newline + 1;
        continue;
      }
      const quoted = this.#quotedRecord(text, pos, line, last);
      if (!quoted) break;
      this.#record(quoted.fields, quoted.line);
      line = quoted.line + 1;
      pos = quoted.next;
    }
    this.#rest = text.slice(pos);
    this.#line = line;
  }

  end(): void {
    this.feed('', true);
  }

  /**
   * Walks one record that holds a quote, from `pos`; null when it does not end in this text
   * (unless `last`). `line` is the record's last line, `next` where the record after it starts.
   */
  #quotedRecord(text: string, pos: number, line: number, last: boolean): { fields: string[]; line: number; next: number } | null {
    const n = text.length;
    const fields: string[] = [];
    let i = pos;
    for (;;) {
      // One field, from i.
      while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        const parts: string[] = [];
        let from = ++i;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close === -1) {
            if (last) this.#fail('a quoted field is not closed', line);
            return null;
          }
          for (let k = text.indexOf('\n', i); k !== -1 && k < close; k = text.indexOf('\n', k + 1)) line++;
          if (text.charCodeAt(close + 1) === QUOTE) {
            parts.push(text.slice(from, close + 1)); // "" is one quote
            i = from = close + 2;
            continue;
          }
          if (close + 1 >= n && !last) return null; // a doubled quote may be cut by the chunk
          parts.push(text.slice(from, close));
          i = close + 1;
          break;
        }
        value = parts.join('');
        while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
      } else {
        const from = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === this.#delimiterCode || c === LF || c === CR) break;
          if (c === QUOTE) this.#fail(`a quote inside an unquoted field (field ${fields.length + 1})`, line);
          i++;
        }
        value = text.slice(from, i).trim();
      }
      fields.push(value);
      if (i >= n) {
        if (!last) return null;
        return { fields, line, next: n };
      }
      const c = text.charCodeAt(i);
      if (c === this.#delimiterCode) {
        i++;
        continue;
      }
      if (c === CR && text.charCodeAt(i + 1) === LF) i++;
      else if (c === CR && i + 1 >= n && !last) return null;
      if (c === LF || c === CR) return { fields, line, next: i + 1 };
      this.#fail(`text after the closing quote of field ${fields.length}`, line);
    }
  }

  #record(fields: string[], line: number): void {
    const columns = this.#columns;
    if (!columns) {
      this.#columns = fields;
      return;
    }
    if (fields.length !== columns.length) this.#fail(`${fields.length} fields where the header has ${columns.length}`, line);
    const row: Record<string, string> = {};
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = fields[i]!;
    this.out.push({ line, row });
  }
}

/**
 * Yields each row of a CSV input (the first line names the columns) with the line it ends on.
 * Throws ImportFileError when the text is not well-formed CSV.
 *
 * @example
 * for await (const { line, row } of readCsvRows(await openInput('communes.csv'))) {
 *   console.log(line, row.code_insee);
 * }
 */
export async function* readCsvRows(input: OpenedInput, options: CsvOptions = {}): AsyncGenerator<Row> {
  const scanner = new CsvScanner(input.name, options.delimiter ?? ',');
  for await (const chunk of input.text) {
    scanner.feed(chunk);
    if (scanner.out.length) yield* scanner.out.splice(0);
  }
  scanner.end();
  yield* scanner.out.splice(0);
}
