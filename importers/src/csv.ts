// Streaming CSV rows as objects keyed by the header.
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { OpenedInput } from './input.ts';
import { ImportFileError } from './report.ts';

export interface CsvOptions {
  delimiter?: string;
}

export async function* readCsvRows(input: OpenedInput, options: CsvOptions = {}): AsyncGenerator<{ line: number; row: Record<string, string> }> {
  const parser = Readable.from(input.text).pipe(parse({
    columns: true,
    delimiter: options.delimiter ?? ',',
    bom: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
  }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { line: info.lines, row: record };
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(`${input.name} is not a well-formed CSV (${(error as Error).message})`);
  }
}
