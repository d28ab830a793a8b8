// The data version of each public layer, held in memory. Caches of layer data (the tile cache)
// put it in their keys, so that a cache hit costs no database query and a write shows at once.
//
// The contract: code that writes a public layer calls `layerChanged(layerId)` AFTER its
// transaction commits (an import, a moderation approval, a contributed edit). Called before the
// commit, a request in between could cache the old rows under the new version.
// Writes from other processes (a CLI import into a PostGIS server, another API instance) are
// caught by the tiles plugin's poll of PostgreSQL's write counters (routes/tiles), within seconds.
import { findLayer } from './registry.ts';

const versions = new Map<string, number>();

/**
 * Says that the rows of a public layer changed: every cached derivative (tiles) of that layer is
 * from now on out of date. Synchronous and cheap; call it after the writing transaction has
 * committed. An id that is not in the layer registry is a programming error and throws.
 *
 * @example
 * await db.transaction().execute(async (trx) => approveNeed(trx, id));
 * layerChanged('needs');
 */
export function layerChanged(layerId: string): void {
  if (!findLayer(layerId)) throw new Error(`layerChanged: no layer "${layerId}" in the registry`);
  versions.set(layerId, (versions.get(layerId) ?? 0) + 1);
}

/**
 * The layer's current data version in this process: 0 at start, then one more per
 * `layerChanged`. Only meaningful inside this process (caches are per process too).
 *
 * @example
 * const key = `${layer.id}/${z}/${x}/${y}@${layerVersion(layer.id)}`;
 */
export function layerVersion(layerId: string): number {
  return versions.get(layerId) ?? 0;
}
