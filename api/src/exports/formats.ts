// The download formats of `/api/exports/<collection>.<ext>`, declared once: the export routes
// and the DCAT catalogue's distributions read this list.

export const EXPORT_FORMATS = [
  { ext: 'geojson', mediaType: 'application/geo+json', format: 'http://publications.europa.eu/resource/authority/file-type/GEOJSON' },
  { ext: 'csv', mediaType: 'text/csv', format: 'http://publications.europa.eu/resource/authority/file-type/CSV' },
  { ext: 'gpkg', mediaType: 'application/geopackage+sqlite3', format: 'http://publications.europa.eu/resource/authority/file-type/GPKG' },
] as const;

export type ExportFormat = (typeof EXPORT_FORMATS)[number]['ext'];

/** The CSV's CSVW description, served beside it as `<collection>.csv-metadata.json`. */
export const CSVW_EXTENSION = 'csv-metadata.json';
export const CSVW_MEDIA_TYPE = 'application/csvm+json';
