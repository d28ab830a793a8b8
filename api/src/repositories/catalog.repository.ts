import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, SourcesTable } from '@maillage/sql';
import type { LayerDefinition } from '../layers/registry.ts';

export type LayerSource = Omit<Selectable<SourcesTable>, 'file_name'> & { features: number };

/** The datasets a layer's rows come from, with their provenance and how many rows each gave. */
export async function layerSources(db: Kysely<Database>, layer: LayerDefinition): Promise<LayerSource[]> {
  const r = await sql<LayerSource>`
    SELECT s.key, s.title, s.licence, s.licence_url, s.attribution, s.url, s.odbl, s.imported_at, count(*)::int AS features
    FROM ${sql.table(layer.table)} t JOIN sources s ON s.key = t.source
    GROUP BY s.key ORDER BY s.key`.execute(db);
  return r.rows;
}
