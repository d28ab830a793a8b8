// Tiers-lieux of the Pays de la Loire map (PiNG, France Tiers-Lieux, CAP Tiers-Lieux).
import type { ImportJob } from '../pipeline.ts';
import { importPointFeatures, type Mapped, text } from '../points.ts';

const list = (v: unknown): string[] => (text(v) ?? '').split('-').map((s) => s.trim()).filter(Boolean);

function mapTiersLieu(p: Record<string, unknown>): Mapped {
  const id = text(p.id);
  const name = text(p.nom);
  if (!id) return { reject: 'missing "id"' };
  if (!name) return { reject: 'missing "nom"' };
  return {
    table: 'tiers_lieux',
    row: {
      source_id: id,
      name,
      typology: list(p.typologie),
      spaces: list(p.espaces_proposes),
      legal_model: text(p.modele_juridique),
      state: text(p.etat),
      address: text(p.ban_adresse) ?? text(p.adresse),
      url: text(p.url),
      publics: text(p.publics),
      fabrique_de_territoire: typeof p.fabrique_de_territoire === 'boolean' ? p.fabrique_de_territoire : null,
      props: JSON.stringify({ sources: p.sources ?? null, ban_commune: p.ban_commune ?? null }),
    },
    communeHint: text(p.code_insee_2026),
  };
}

export function tiersLieux(input: string, departements: readonly string[] = []): ImportJob {
  return {
    importer: 'tiers-lieux',
    input,
    source: {
      key: 'ping_tiers_lieux_2022',
      title: 'Tiers-lieux en Pays de la Loire (2022)',
      // No explicit licence upstream: shown as such, and flagged in the catalogue.
      licence: 'Licence non précisée par la source (réutilisation à confirmer avec PiNG)',
      attribution: 'PiNG, France Tiers-Lieux, CAP Tiers-Lieux – carte des tiers-lieux en Pays de la Loire',
      url: 'https://github.com/multi-coop/data-ping-tiers-lieux',
    },
    run: (ctx) => importPointFeatures({ ctx, input, departements, map: (f) => mapTiersLieu(f.properties) }),
  };
}
