// Encoded tiles, ready to send: the raw and gzipped bytes and their ETags, in a bounded LRU.
// Keys carry the data version of the layer (layers/versions.ts), so a write never serves an old
// tile: it only leaves the old entries to age out.
import { hash } from 'node:crypto';
import { constants, gzipSync } from 'node:zlib';

export interface PackedTile {
  /** Uncompressed MVT; empty when the tile has no feature. */
  raw: Buffer;
  gzip: Buffer;
  /** Strong ETags: one per representation, as RFC 9110 wants for content codings. */
  etag: string;
  etagGzip: string;
}

/**
 * Compresses a tile once and names both representations by a hash of the tile bytes (a content
 * hash, so every API instance behind a load balancer gives the same tile the same ETag).
 * gzip level 1: an uncached tile is on the request's critical path, and on the benchmark's tiles
 * level 6 took about twice the time for 0–8 % fewer bytes (bench/README.md, API section).
 *
 * @example
 * packTile(new Uint8Array(0)).raw.length; // 0: an empty tile, answered with 204
 */
export function packTile(bytes: Uint8Array): PackedTile {
  // A view on the driver's buffer, not a copy.
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const digest = hash('sha256', raw, 'base64url').slice(0, 32);
  return {
    raw, gzip: raw.length ? gzipSync(raw, { level: constants.Z_BEST_SPEED }) : raw, etag: `"${digest}"`, etagGzip: `"${digest}-gzip"`,
  };
}

/**
 * True when an If-None-Match header names this ETag (weak comparison, as RFC 9110 says for
 * If-None-Match) or is `*`.
 *
 * @example
 * etagMatches('W/"abc", "def"', '"abc"'); // true
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * True when an Accept-Encoding header accepts gzip (explicitly, or through `*`), with q > 0.
 *
 * @example
 * acceptsGzip('gzip, deflate, br'); // true
 * acceptsGzip('gzip;q=0, br');      // false
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  // A browser sends the same header with every tile of a map view: remember the last answer.
  if (acceptEncoding === lastAcceptEncoding) return lastAcceptsGzip;
  lastAcceptsGzip = parseAcceptsGzip(acceptEncoding);
  lastAcceptEncoding = acceptEncoding;
  return lastAcceptsGzip;
}
let lastAcceptEncoding: string | undefined;
let lastAcceptsGzip = false;

function parseAcceptsGzip(acceptEncoding: string): boolean {
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (!coding) continue;
    const weight = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    q.set(coding.trim(), weight === undefined ? 1 : Number(weight));
  }
  const gzip = q.get('gzip') ?? q.get('x-gzip') ?? q.get('*');
  return gzip !== undefined && gzip > 0;
}

export interface TileCacheOptions {
  /** Upper bound of the bytes held (raw plus gzip); the least recently used tiles go first. */
  maxBytes: number;
}

/** A least-recently-used map of packed tiles that also shares one build between concurrent requests. */
export class TileCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, PackedTile>();
  readonly #pending = new Map<string, Promise<PackedTile>>();
  #bytes = 0;

  constructor({ maxBytes }: TileCacheOptions) {
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The tile under `key` when it is held (and now the most recently used), without waiting for anything. */
  peek(key: string): PackedTile | undefined {
    const hit = this.#entries.get(key);
    if (hit) {
      // Re-inserting moves the key to the end: Map keeps insertion order, so the first key is the oldest.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  /** The tile under `key`, built once by `build` when it is not held. */
  async get(key: string, build: () => Promise<PackedTile>): Promise<PackedTile> {
    const hit = this.peek(key);
    if (hit) return hit;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const promise = build().then((tile) => {
      this.#put(key, tile);
      return tile;
    }).finally(() => this.#pending.delete(key));
    this.#pending.set(key, promise);
    return promise;
  }

  #put(key: string, tile: PackedTile): void {
    const size = sizeOf(key, tile);
    if (size > this.#maxBytes) return;
    const old = this.#entries.get(key);
    if (old) this.#bytes -= sizeOf(key, old);
    this.#entries.delete(key);
    this.#entries.set(key, tile);
    this.#bytes += size;
    for (const [oldKey, old] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldKey);
      this.#bytes -= sizeOf(oldKey, old);
    }
  }
}

function sizeOf(key: string, tile: PackedTile): number {
  // The gzip buffer of an empty tile is the raw one; count it once.
  return key.length + 128 + tile.raw.length + (tile.gzip === tile.raw ? 0 : tile.gzip.length);
}
