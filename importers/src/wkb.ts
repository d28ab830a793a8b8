// GeoJSON geometry → EWKB (PostGIS's extended well-known binary, with the SRID), as hex text.
// Pure code, no I/O. Importers send polygons this way because the database reads WKB for next to
// nothing, while ST_GeomFromGeoJSON re-parses the JSON text (about 1 s on a PostGIS server and
// 8–10 s on PGlite for the 35,228 communes of France).
import type { GeometryKind } from './geometry.ts';

type Position = readonly number[];
type Geometry = { type: GeometryKind; coordinates: unknown };

/** WKB type codes, and the EWKB flag that says an SRID follows the type. */
const CODE: Record<GeometryKind, number> = { Point: 1, LineString: 2, Polygon: 3, MultiLineString: 5, MultiPolygon: 6 };
const HAS_SRID = 0x20000000;

const lineSize = (line: readonly Position[]): number => 4 + 16 * line.length;
const polygonSize = (rings: readonly (readonly Position[])[]): number => rings.reduce((n, r) => n + lineSize(r), 4);

/** Bytes of the body (after byte order, type and SRID) of a geometry. */
function bodySize(g: Geometry): number {
  switch (g.type) {
    case 'Point': return 16;
    case 'LineString': return lineSize(g.coordinates as Position[]);
    case 'Polygon': return polygonSize(g.coordinates as Position[][]);
    case 'MultiLineString': return (g.coordinates as Position[][]).reduce((n, l) => n + 5 + lineSize(l), 4);
    case 'MultiPolygon': return (g.coordinates as Position[][][]).reduce((n, p) => n + 5 + polygonSize(p), 4);
  }
}

class Writer {
  offset = 0;
  readonly buffer: Buffer;
  readonly view: DataView;
  constructor(buffer: Buffer) {
    this.buffer = buffer;
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  header(code: number, srid?: number): void {
    this.view.setUint8(this.offset, 1); // little-endian
    this.view.setUint32(this.offset + 1, srid === undefined ? code : code | HAS_SRID, true);
    this.offset += 5;
    if (srid !== undefined) {
      this.view.setInt32(this.offset, srid, true);
      this.offset += 4;
    }
  }
  count(n: number): void {
    this.view.setUint32(this.offset, n, true);
    this.offset += 4;
  }
  /** Only x and y: the layers are 2D, so an altitude in the source is dropped. */
  position(p: Position): void {
    this.view.setFloat64(this.offset, p[0]!, true);
    this.view.setFloat64(this.offset + 8, p[1]!, true);
    this.offset += 16;
  }
  line(line: readonly Position[]): void {
    this.count(line.length);
    for (const p of line) this.position(p);
  }
  polygon(rings: readonly (readonly Position[])[]): void {
    this.count(rings.length);
    for (const r of rings) this.line(r);
  }
}

/**
 * EWKB of a GeoJSON geometry that `checkGeometry` accepted, in 2D.
 *
 * @example
 * ewkb({ type: 'Point', coordinates: [1, 2] }).toString('hex');
 * // '0101000020e6100000000000000000f03f0000000000000040'
 */
export function ewkb(geometry: { type: string; coordinates?: unknown }, srid = 4326): Buffer {
  const g = geometry as Geometry;
  const w = new Writer(Buffer.allocUnsafe(9 + bodySize(g)));
  w.header(CODE[g.type], srid);
  switch (g.type) {
    case 'Point':
      w.position(g.coordinates as Position);
      break;
    case 'LineString':
      w.line(g.coordinates as Position[]);
      break;
    case 'Polygon':
      w.polygon(g.coordinates as Position[][]);
      break;
    case 'MultiLineString':
      w.count((g.coordinates as Position[][]).length);
      for (const l of g.coordinates as Position[][]) {
        w.header(CODE.LineString);
        w.line(l);
      }
      break;
    case 'MultiPolygon':
      w.count((g.coordinates as Position[][][]).length);
      for (const p of g.coordinates as Position[][][]) {
        w.header(CODE.Polygon);
        w.polygon(p);
      }
      break;
    default:
      throw new Error(`ewkb: geometry type ${String(g.type)} is not supported`);
  }
  return w.buffer;
}

/**
 * EWKB hex of a GeoJSON geometry that `checkGeometry` accepted, in 2D; PostgreSQL reads it with
 * `::geometry` (or `ST_GeomFromEWKB(decode(…, 'hex'))`).
 *
 * @example
 * ewkbHex({ type: 'Point', coordinates: [1, 2] });
 * // '0101000020e6100000000000000000f03f0000000000000040'
 */
export function ewkbHex(geometry: { type: string; coordinates?: unknown }, srid = 4326): string {
  return ewkb(geometry, srid).toString('hex');
}

/**
 * The geometries of one statement as a single binary parameter, where each row says where its
 * EWKB lies: sent as bytes (the driver passes a Buffer in binary), it costs no hex encoding, no
 * JSON escaping and no parsing of either on the server, which slices it out by position.
 *
 * @example
 * const blob = new EwkbBlob();
 * const rows = polygons.map((g, i) => ({ i, ...blob.add(g) }));
 * sql`SELECT r.i, ${blobGeometry(blob.bytes(), 'r')} FROM ${jsonRows(rows, 'r', { i: 'int', ...EWKB_COLUMNS })}`;
 */
export class EwkbBlob {
  readonly #parts: Buffer[] = [];
  #size = 0;

  /** Adds a geometry; returns the columns that find it (1-based position and length). */
  add(geometry: { type: string; coordinates?: unknown }): { wkb_at: number; wkb_length: number } {
    const bytes = ewkb(geometry);
    this.#parts.push(bytes);
    const at = this.#size + 1;
    this.#size += bytes.length;
    return { wkb_at: at, wkb_length: bytes.length };
  }

  /** All the geometries added, one after the other. */
  bytes(): Buffer {
    return Buffer.concat(this.#parts, this.#size);
  }
}

/** The SQL types of the columns `EwkbBlob.add` gives, for `jsonRows`. */
export const EWKB_COLUMNS = { wkb_at: 'integer', wkb_length: 'integer' } as const;
