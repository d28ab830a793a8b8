// Opening an import input: a local path or an http(s) URL, gzip detected by its magic bytes,
// strictly UTF-8 (a Latin-1 file is refused with the fix, never imported as mojibake), with
// progress by bytes read.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { ImportFileError } from './report.ts';

export interface OpenedInput {
  /** UTF-8 text chunks; iterating throws ImportFileError on invalid UTF-8 or a broken gzip stream. */
  text: AsyncIterable<string>;
  /** Total bytes when known (file size or Content-Length), for progress. */
  totalBytes: number | undefined;
  /** Bytes read so far (compressed bytes for gzip files). */
  bytesRead(): number;
  name: string;
}

export const isUrl = (input: string): boolean => /^https?:\/\//i.test(input);

async function openRaw(input: string): Promise<{ stream: AsyncIterable<Buffer>; total: number | undefined }> {
  if (isUrl(input)) {
    let response: Response;
    try {
      response = await fetch(input, { redirect: 'follow' });
    } catch (error) {
      throw new ImportFileError(`cannot download ${input}: ${(error as Error).message}`);
    }
    if (!response.ok || !response.body) throw new ImportFileError(`cannot download ${input}: HTTP ${response.status}`);
    const length = Number(response.headers.get('content-length'));
    return { stream: Readable.fromWeb(response.body as ReadableStream<Uint8Array>), total: length > 0 ? length : undefined };
  }
  try {
    const info = await stat(input);
    if (!info.isFile()) throw new ImportFileError(`${input} is not a file`);
    return { stream: createReadStream(input), total: info.size };
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(`cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function* gunzipIfNeeded(source: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const all = (async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) {
    yield* all;
    return;
  }
  try {
    for await (const chunk of Readable.from(all).pipe(createGunzip())) yield chunk as Buffer;
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(`${name}: broken or truncated gzip stream (${(error as Error).message})`);
  }
}

async function* decodeUtf8(source: AsyncIterable<Buffer>, name: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const fail = () => new ImportFileError(
    `${name} is not valid UTF-8 (Latin-1 or Windows-1252?): convert it first, e.g. \`iconv -f WINDOWS-1252 -t UTF-8\``);
  try {
    for await (const chunk of source) yield decoder.decode(chunk, { stream: true });
    yield decoder.decode();
  } catch (error) {
    if (error instanceof TypeError) throw fail();
    throw error;
  }
}

/**
 * Opens a path or an http(s) URL as UTF-8 text.
 *
 * @example
 * const input = await openInput('../shared/data/communes_metropole_2018.geojson.gz');
 * for await (const text of input.text) process.stdout.write(text);
 */
export async function openInput(input: string): Promise<OpenedInput> {
  const { stream, total } = await openRaw(input);
  const name = input.split(/[\\/]/).pop() || input;
  let read = 0;
  const counted = (async function* () {
    for await (const chunk of stream) {
      read += chunk.length;
      yield chunk as Buffer;
    }
  })();
  return { text: decodeUtf8(gunzipIfNeeded(counted, name), name), totalBytes: total, bytesRead: () => read, name };
}
