// How the API compresses its answers with zstd, which browsers ask for first; bench/api.ts
// measures the same options.
import zlib from 'node:zlib';

/**
 * zstd at level 1 rather than its default 3: 7.8 MB of GeoJSON items in ~40 ms instead of
 * ~55–90 ms, for 2.1 MB instead of 2.0 MB (bench/README.md, API section).
 *
 * @example
 * zlib.zstdCompressSync(body, zstdOptions);
 */
export const zstdOptions: zlib.ZstdOptions = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } };
