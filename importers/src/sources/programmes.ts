// ANCT programme lists: Action Cœur de Ville, Petites villes de demain, France services. One
// commune is at most once in ACV and PVD, so their stable id is the commune code; France
// services sites keep their ANCT matricule.
import type { Programme } from '@maillage/sql';
import type { ImportJob, SourceInfo } from '../pipeline.ts';
import { LICENCE_OUVERTE } from '../pipeline.ts';
import { importPointFeatures, type Mapped, text } from '../points.ts';

const ANCT = 'ANCT – Agence nationale de la cohésion des territoires';

export const PROGRAMMES: Record<Programme, { label: string; source: SourceInfo }> = {
  action_coeur_de_ville: {
    label: 'Action Cœur de Ville',
    source: { key: 'anct_action_coeur_de_ville', title: 'Action Cœur de Ville – communes (ANCT, 2024)', attribution: ANCT, url: 'https://github.com/anct-carto/action_coeur_de_ville', ...LICENCE_OUVERTE },
  },
  petites_villes_de_demain: {
    label: 'Petites villes de demain',
    source: { key: 'anct_petites_villes_de_demain', title: 'Petites villes de demain – communes lauréates (ANCT, 2021)', attribution: ANCT, url: 'https://github.com/anct-carto/pvd', ...LICENCE_OUVERTE },
  },
  france_services: {
    label: 'France services',
    source: { key: 'anct_france_services_2020', title: 'France services – structures labellisées (ANCT, 09/2020)', attribution: 'ANCT / Banque des Territoires', url: 'https://github.com/anct-carto/France-services', ...LICENCE_OUVERTE },
  },
};

export function programmeOf(label: unknown): Programme | null {
  const entry = Object.entries(PROGRAMMES).find(([, p]) => p.label === text(label));
  return entry ? (entry[0] as Programme) : null;
}

function mapProgramme(programme: Programme, p: Record<string, unknown>): Mapped {
  const code = text(p.code_insee);
  const name = text(p.nom);
  if (!name) return { reject: 'missing "nom"' };
  const found = programmeOf(p.programme);
  if (found !== programme) return { skip: true }; // another programme's row in a mixed file
  let sourceId: string | null;
  let ref: string | null;
  let detail: string | null;
  if (programme === 'france_services') {
    ref = text(p.matricule) ? `FS-${text(p.matricule)}` : text(p.id_programme);
    sourceId = ref;
    detail = text(p.format) ?? text(p.detail);
  } else {
    ref = text(p.id_acv) ?? text(p.id_pvd) ?? text(p.id_programme);
    sourceId = code;
    detail = text(p.date_signature) ?? text(p.detail);
  }
  if (!sourceId) return { reject: programme === 'france_services' ? 'missing "matricule"' : 'missing "code_insee"' };
  return {
    table: 'programmes',
    row: { source_id: sourceId, programme, name, programme_ref: ref, detail, props: JSON.stringify({ adresse: p.adresse ?? null }) },
    communeHint: code,
  };
}

/** One job per programme: each programme is its own dataset with its own provenance. */
export function programmes(input: string, programme: Programme, departements: readonly string[] = []): ImportJob {
  return {
    importer: `programmes:${programme}`,
    input,
    source: PROGRAMMES[programme].source,
    run: (ctx) => importPointFeatures({ ctx, input, departements, map: (f) => mapProgramme(programme, f.properties) }),
  };
}
