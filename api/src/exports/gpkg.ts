// GeoPackage 1.3 (OGC 12-128r17) writer: one feature table in EPSG:4326 with its R-tree spatial
// index, and the licence, attribution and sources in gpkg_metadata (metadata extension). It writes a local SQLite file
// with Node's built-in `node:sqlite` (no native dependency), page by page, so memory stays flat;
// the caller streams the file and deletes it. It never touches the portal's database.
import { DatabaseSync } from 'node:sqlite';
import type { LayerDefinition } from '../layers/registry.ts';
import { type ExportMetadata, type ExportRow, keyIsProperty, type TabularColumn, tabularColumns, tabularValue } from './types.ts';
import { CSV_ARRAY_SEPARATOR } from './csv.ts';

/** 'GPKG' as the SQLite application_id. */
export const GPKG_APPLICATION_ID = 0x47504b47;
/** GeoPackage 1.3.0 as the SQLite user_version. */
export const GPKG_USER_VERSION = 10300;
const SRS_ID = 4326;

const WGS84_WKT = 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
  + 'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
  + 'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

/** Envelope [minX, maxX, minY, maxY], the order of the GeoPackage binary header. */
export type Envelope = [number, number, number, number];

/**
 * The 2D envelope of an ISO (or extended) WKB geometry, or null when it is empty.
 *
 * @example
 * wkbEnvelope(pointWkb(1, 2)); // [1, 1, 2, 2]
 */
export function wkbEnvelope(wkb: Uint8Array): Envelope | null {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  const env: Envelope = [Infinity, -Infinity, Infinity, -Infinity];
  const point = (offset: number, le: boolean) => {
    const x = view.getFloat64(offset, le);
    const y = view.getFloat64(offset + 8, le);
    if (Number.isNaN(x) || Number.isNaN(y)) return; // POINT EMPTY is written as NaN coordinates
    if (x < env[0]) env[0] = x;
    if (x > env[1]) env[1] = x;
    if (y < env[2]) env[2] = y;
    if (y > env[3]) env[3] = y;
  };
  const geometry = (start: number): number => {
    let offset = start;
    const le = view.getUint8(offset) === 1;
    offset += 1;
    let type = view.getUint32(offset, le);
    offset += 4;
    // EWKB flags (PostGIS), then ISO's +1000 (Z), +2000 (M), +3000 (ZM).
    let z = (type & 0x80000000) !== 0;
    let m = (type & 0x40000000) !== 0;
    if (type & 0x20000000) offset += 4; // embedded SRID
    type &= 0x0fffffff;
    const dims = Math.floor(type / 1000);
    z ||= dims === 1 || dims === 3;
    m ||= dims === 2 || dims === 3;
    const stride = 8 * (2 + (z ? 1 : 0) + (m ? 1 : 0));
    const points = (n: number) => {
      for (let i = 0; i < n; i++) point(offset + i * stride, le);
      offset += n * stride;
    };
    switch (type % 1000) {
      case 1: points(1); break;
      case 2: points(count()); break;
      case 3: for (let rings = count(), r = 0; r < rings; r++) points(count()); break;
      case 4: case 5: case 6: case 7:
        for (let parts = count(), p = 0; p < parts; p++) offset = geometry(offset);
        break;
      default: throw new Error(`WKB geometry type ${type} is not supported`);
    }
    return offset;
    function count(): number {
      const n = view.getUint32(offset, le);
      offset += 4;
      return n;
    }
  };
  geometry(0);
  return env[0] === Infinity ? null : env;
}

const HEADER_WITH_ENVELOPE = 8 + 32;

/** Writes the binary header in front of the WKB at `blob[start..]`; returns where the blob begins. */
function writeHeader(buffer: Uint8Array, wkbStart: number, envelope: Envelope | null, srsId: number): number {
  const start = wkbStart - (envelope ? HEADER_WITH_ENVELOPE : 8);
  const view = new DataView(buffer.buffer, buffer.byteOffset + start, wkbStart - start);
  view.setUint8(0, 0x47); // G
  view.setUint8(1, 0x50); // P
  view.setUint8(2, 0); // version 1 of the binary format
  // bit 0: little-endian header; bits 1-3: envelope type (1 = xy, 0 = none); bit 4: empty.
  view.setUint8(3, envelope ? 0b0000_0011 : 0b0001_0001);
  view.setInt32(4, srsId, true);
  if (envelope) envelope.forEach((v, i) => view.setFloat64(8 + i * 8, v, true));
  return start;
}

/**
 * A GeoPackage geometry blob: the binary header (magic `GP`, version 0, little-endian flags,
 * srs_id, envelope [minx, maxx, miny, maxy]) followed by the WKB unchanged. Empty geometries
 * get the empty flag and no envelope.
 *
 * @example
 * gpkgGeometry(pointWkb(1, 2)).blob.subarray(0, 4); // Uint8Array [0x47, 0x50, 0, 0b011]
 */
export function gpkgGeometry(wkb: Uint8Array, srsId = SRS_ID): { blob: Uint8Array; envelope: Envelope | null } {
  const buffer = new Uint8Array(HEADER_WITH_ENVELOPE + wkb.byteLength);
  buffer.set(wkb, HEADER_WITH_ENVELOPE);
  const envelope = wkbEnvelope(wkb);
  return { blob: buffer.subarray(writeHeader(buffer, HEADER_WITH_ENVELOPE, envelope, srsId)), envelope };
}

/**
 * The same blob from hex WKB, built in one buffer reused from row to row (SQLite copies what it
 * is given), so a national export does not leave tens of thousands of buffers for the GC. The
 * blob is a view on that buffer: valid until the next call.
 *
 * @example
 * const encode = gpkgGeometryEncoder();
 * encode('0101000000000000000000f03f0000000000000040').envelope; // [1, 1, 2, 2]
 */
export function gpkgGeometryEncoder(srsId = SRS_ID): (hexWkb: string) => { blob: Uint8Array; envelope: Envelope | null } {
  let buffer = Buffer.allocUnsafe(64 * 1024);
  return (hexWkb) => {
    const length = hexWkb.length / 2;
    if (buffer.length < HEADER_WITH_ENVELOPE + length) buffer = Buffer.allocUnsafe(2 * (HEADER_WITH_ENVELOPE + length));
    buffer.write(hexWkb, HEADER_WITH_ENVELOPE, 'hex');
    const envelope = wkbEnvelope(buffer.subarray(HEADER_WITH_ENVELOPE, HEADER_WITH_ENVELOPE + length));
    return { blob: buffer.subarray(writeHeader(buffer, HEADER_WITH_ENVELOPE, envelope, srsId), HEADER_WITH_ENVELOPE + length), envelope };
  };
}

const SQL_TYPES: Record<TabularColumn['type'], string> = {
  string: 'TEXT', 'string[]': 'TEXT', integer: 'INTEGER', number: 'REAL', boolean: 'BOOLEAN', date: 'DATETIME',
};
const GEOMETRY_TYPES: Record<LayerDefinition['geometry'], string> = {
  Point: 'POINT', MultiPolygon: 'MULTIPOLYGON', MultiLineString: 'MULTILINESTRING', Geometry: 'GEOMETRY',
};

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A value as SQLite stores it in a GeoPackage column. */
function sqliteValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString(); // GeoPackage DATETIME: ISO 8601 in UTC
  if (Array.isArray(value)) return value.join(CSV_ARRAY_SEPARATOR);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

const xml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/**
 * GDAL's own metadata form (what GDAL itself writes), so `ogrinfo` and QGIS show the licence as
 * metadata of the layer.
 *
 * @example
 * gdalMetadataXml({ LICENCE: 'ODbL 1.0' });
 * // '<GDALMultiDomainMetadata><Metadata><MDI key="LICENCE">ODbL 1.0</MDI></Metadata></GDALMultiDomainMetadata>'
 */
export function gdalMetadataXml(items: Record<string, string>): string {
  const mdi = Object.entries(items).map(([k, v]) => `<MDI key="${xml(k)}">${xml(v)}</MDI>`).join('');
  return `<GDALMultiDomainMetadata><Metadata>${mdi}</Metadata></GDALMultiDomainMetadata>`;
}

export interface GeoPackageResult {
  features: number;
  /** [minX, maxX, minY, maxY] of everything written, or null when nothing was. */
  bounds: Envelope | null;
}

/**
 * Writes `pages` (geometries as little-endian WKB in hex) to a new GeoPackage at `path`: one feature
 * table named after the collection, typed from the registry, plus the metadata. The key becomes
 * the `fid` when it is not one of the properties (bigserial ids), so feature ids match the API.
 *
 * @example
 * await writeGeoPackage('/tmp/x/places.gpkg', findLayer('places')!, metadata, exportPages(db, layer, where, 'wkb'));
 */
export async function writeGeoPackage(
  path: string,
  layer: LayerDefinition,
  metadata: ExportMetadata,
  pages: AsyncIterable<ExportRow<string | null>[]>,
  signal?: AbortSignal,
): Promise<GeoPackageResult> {
  const db = new DatabaseSync(path);
  try {
    const columns = tabularColumns(layer);
    const keyAsFid = !keyIsProperty(layer);
    const attributes = keyAsFid ? columns.filter((c) => c.name !== 'id') : columns;
    const geometryType = GEOMETRY_TYPES[layer.geometry];
    const table = layer.id;
    // A throwaway file: no journal, no fsync; it is complete once closed.
    db.exec(`PRAGMA application_id = ${GPKG_APPLICATION_ID}; PRAGMA user_version = ${GPKG_USER_VERSION};
      PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;`);
    db.exec(SCHEMA);
    db.prepare(`INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES
      ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
      ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
      ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`).run(WGS84_WKT);
    db.exec(`CREATE TABLE ${ident(table)} (
      fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
      geom ${geometryType}${attributes.map((c) => `,\n      ${ident(c.name)} ${SQL_TYPES[c.type]}`).join('')})`);
    db.prepare(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id)
      VALUES (?, 'features', ?, ?, ?, ${SRS_ID})`).run(
      table, metadata.title, `${metadata.description} Licence : ${metadata.licence}. ${metadata.attribution}.`, metadata.exported_at);
    db.prepare(`INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
      VALUES (?, 'geom', ?, ${SRS_ID}, 0, 0)`).run(table, geometryType);
    writeMetadata(db, table, metadata);

    const names = ['fid', 'geom', ...attributes.map((c) => c.name)];
    const insert = db.prepare(`INSERT INTO ${ident(table)} (${names.map(ident).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
    const rtree = `rtree_${table}_geom`;
    db.exec(`CREATE VIRTUAL TABLE ${ident(rtree)} USING rtree(id, minx, maxx, miny, maxy)`);
    const index = db.prepare(`INSERT INTO ${ident(rtree)} VALUES (?, ?, ?, ?, ?)`);
    const encode = gpkgGeometryEncoder();
    let features = 0;
    let bounds: Envelope | null = null;
    for await (const page of pages) {
      signal?.throwIfAborted();
      db.exec('BEGIN');
      for (const row of page) {
        let fid: number | null = null;
        if (keyAsFid) {
          fid = Number(row.id);
          if (!Number.isSafeInteger(fid)) throw new Error(`${layer.id}: key ${String(row.id)} is not an integer and cannot be a GeoPackage fid`);
        }
        const g = row.geometry ? encode(row.geometry) : null;
        const { lastInsertRowid } = insert.run(fid, g?.blob ?? null, ...attributes.map((c) => sqliteValue(tabularValue(row, c))));
        if (g?.envelope) {
          index.run(lastInsertRowid, ...g.envelope);
          bounds = bounds ? union(bounds, g.envelope) : g.envelope;
        }
        features++;
      }
      db.exec('COMMIT');
    }
    if (bounds) {
      db.prepare('UPDATE gpkg_contents SET min_x = ?, max_x = ?, min_y = ?, max_y = ? WHERE table_name = ?').run(...bounds, table);
    }
    // The triggers call GeoPackage SQL functions (ST_IsEmpty…) that only GeoPackage readers
    // provide, so they come after the rows: they keep the index right when a user edits the file.
    db.exec(rtreeTriggers(table, rtree));
    db.prepare(`INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
      VALUES (?, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec/#extension_rtree', 'write-only')`).run(table);
    return { features, bounds };
  } finally {
    db.close();
  }
}

/** The spatial index triggers of the R-tree extension (GeoPackage 1.3, F.3), for table.geom. */
function rtreeTriggers(table: string, rtree: string): string {
  const t = ident(table);
  const r = ident(rtree);
  const values = (row: string) => `(${row}.fid, ST_MinX(${row}.geom), ST_MaxX(${row}.geom), ST_MinY(${row}.geom), ST_MaxY(${row}.geom))`;
  const name = (suffix: string) => ident(`${rtree}_${suffix}`);
  return `
    CREATE TRIGGER ${name('insert')} AFTER INSERT ON ${t}
      WHEN (NEW.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
      BEGIN INSERT OR REPLACE INTO ${r} VALUES ${values('NEW')}; END;
    CREATE TRIGGER ${name('update1')} AFTER UPDATE OF geom ON ${t}
      WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
      BEGIN INSERT OR REPLACE INTO ${r} VALUES ${values('NEW')}; END;
    CREATE TRIGGER ${name('update2')} AFTER UPDATE OF geom ON ${t}
      WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
      BEGIN DELETE FROM ${r} WHERE id = OLD.fid; END;
    CREATE TRIGGER ${name('update3')} AFTER UPDATE ON ${t}
      WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
      BEGIN DELETE FROM ${r} WHERE id = OLD.fid; INSERT OR REPLACE INTO ${r} VALUES ${values('NEW')}; END;
    CREATE TRIGGER ${name('update4')} AFTER UPDATE ON ${t}
      WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
      BEGIN DELETE FROM ${r} WHERE id IN (OLD.fid, NEW.fid); END;
    CREATE TRIGGER ${name('delete')} AFTER DELETE ON ${t}
      WHEN OLD.geom NOT NULL
      BEGIN DELETE FROM ${r} WHERE id = OLD.fid; END;`;
}

function union(a: Envelope, b: Envelope): Envelope {
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.max(a[3], b[3])];
}

/**
 * Two records: the export metadata as JSON for the whole GeoPackage, and the licence and
 * attribution in GDAL's form for the feature table (GDAL and QGIS show it as layer metadata).
 */
function writeMetadata(db: DatabaseSync, table: string, metadata: ExportMetadata): void {
  const md = db.prepare(`INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', ?, ?, ?)`);
  const ref = db.prepare(`INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, md_file_id)
    VALUES (?, ?, ?, ?)`);
  const json = md.run('https://maillage.example/ns/export-metadata', 'application/json', JSON.stringify(metadata));
  ref.run('geopackage', null, metadata.exported_at, json.lastInsertRowid);
  const gdal = md.run('http://gdal.org', 'text/xml', gdalMetadataXml({
    LICENCE: metadata.licence,
    ...(metadata.licence_url ? { LICENCE_URL: metadata.licence_url } : {}),
    ATTRIBUTION: metadata.attribution,
    SOURCES: metadata.sources.map((s) => `${s.title} (${s.licence}${s.url ? `, ${s.url}` : ''})`).join(' ; '),
    EXPORTED_AT: metadata.exported_at,
    QUERY: metadata.query.url,
  }));
  ref.run('table', table, metadata.exported_at, gdal.lastInsertRowid);
  db.exec(`INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES
    ('gpkg_metadata', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec/#extension_metadata', 'read-write'),
    ('gpkg_metadata_reference', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec/#extension_metadata', 'read-write')`);
}

// Table definitions of the GeoPackage 1.3 standard (Annex C) and of its metadata extension (F.8).
const SCHEMA = `
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
CREATE TABLE gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);
CREATE TABLE gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml',
  metadata TEXT NOT NULL DEFAULT ''
);
CREATE TABLE gpkg_metadata_reference (
  reference_scope TEXT NOT NULL,
  table_name TEXT,
  column_name TEXT,
  row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL,
  md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id)
);
`;
