// The streaming CSV reader (importers/src/csv.ts) on its own: no database. It cuts quote-free
// lines with split and walks only records with quotes, so the tests aim at what that can get
// wrong: quotes and line breaks inside fields, a record cut by a chunk boundary anywhere (even
// between a doubled quote or a CR and its LF), line numbers, and every malformed record.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvRows } from '../../importers/src/csv.ts';
import { dataDir } from '../../importers/src/demo.ts';
import type { OpenedInput } from '../../importers/src/input.ts';

const inChunks = (text: string, size: number): OpenedInput => ({
  text: (async function* () {
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  })(),
  totalBytes: undefined,
  bytesRead: () => 0,
  name: 'test.csv',
});

async function read(text: string, size: number, delimiter?: string): Promise<{ line: number; row: Record<string, string> }[]> {
  const out = [];
  for await (const r of readCsvRows(inChunks(text, size), delimiter ? { delimiter } : {})) out.push(r);
  return out;
}

/** The same rows whatever the chunk size, down to one character per chunk. */
async function readEveryWay(text: string, delimiter?: string): Promise<{ line: number; row: Record<string, string> }[]> {
  const whole = await read(text, text.length || 1, delimiter);
  for (const size of [1, 2, 3, 7]) expect(await read(text, size, delimiter), `chunks of ${size}`).toEqual(whole);
  return whole;
}

describe('readCsvRows', () => {
  it('keys rows by the header, trims unquoted fields, skips empty lines, drops a BOM, reads CRLF', async () => {
    expect(await readEveryWay('\ufeffcode, nom \r\n01001 , Alpha\r\n\r\n   \r\n01002,\r\n')).toEqual([
      { line: 2, row: { code: '01001', nom: 'Alpha' } },
      { line: 5, row: { code: '01002', nom: '' } },
    ]);
  });

  it('reads quoted fields: delimiters, doubled quotes, line breaks and spaces inside, spaces around', async () => {
    expect(await readEveryWay('a;b\n"x; y" ; "he said ""hi"""\n"two\nlines";" kept "\nlast;row', ';')).toEqual([
      { line: 2, row: { a: 'x; y', b: 'he said "hi"' } },
      { line: 4, row: { a: 'two\nlines', b: ' kept ' } },
      { line: 5, row: { a: 'last', b: 'row' } },
    ]);
  });

  it('reads the communes list of the bundle, quoted fields included, one row per line', async () => {
    const text = readFileSync(join(dataDir(), 'communes_france_2026.csv'), 'utf8');
    const rows = await read(text, 65536);
    expect(rows).toHaveLength(text.trim().split('\n').length - 1);
    expect(rows.every((r, i) => r.line === i + 2 && Object.keys(r.row).length === 15)).toBe(true);
    expect(rows[0]).toMatchObject({ line: 2, row: { code_insee: '01001', nom: "L'Abergement-Clémenciat", population: '860', anciens_codes: '' } });
    expect(rows.find((r) => r.row.code_insee === '04005')!.row.nom_epci).toBe('CC Alpes-Provence-Verdon "Sources de lumière"'); // quoted in the file
  });

  it.each([
    ['a,b\n1,2,3\n', /3 fields where the header has 2, line 2/],
    ['a,b\n"open,2\n', /a quoted field is not closed, line 2/],
    ['a,b\nx"y,2\n', /a quote inside an unquoted field \(field 1\), line 2/],
    ['a,b\n"x"y,2\n', /text after the closing quote of field 1, line 2/],
  ])('refuses a malformed record (%j) with its line', async (text, message) => {
    for (const size of [1, 100]) await expect(read(text, size)).rejects.toThrow(message);
  });
});
