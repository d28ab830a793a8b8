// Checks a contribution beyond its JSON schema: the things only the registry and the data
// know (the layer and feature a correction is about, which properties may change and what
// values they take, the place categories). Each refusal says what to write instead.
import type { Kysely } from 'kysely';
import type { Database } from '@maillage/sql';
import { findLayer, LAYERS, type LayerDefinition, type LayerProperty } from '../../layers/registry.ts';
import { HttpProblem } from '../../problem.ts';
import { featureExists, placeCategoryExists, validFeatureId } from '../../repositories/contributions.repository.ts';
import type { ContributionInput, CorrectionInput } from './schemas.ts';
import { NEED_CATEGORIES, STAGES, THEMES, VACANT_STATUSES } from './vocabulary.ts';

/** Provenance is the portal's to write, and keys never change. */
const FIXED = new Set(['source', 'source_id', 'licence', 'imported_at', 'created_at']);

/** The properties of a layer a correction may change. */
export function editableProperties(layer: LayerDefinition): LayerProperty[] {
  return layer.properties.filter((p) => !FIXED.has(p.name) && (p.column ?? p.name) !== layer.idColumn);
}

/** Closed lists, per layer and property. */
const ENUMS: Record<string, readonly string[]> = {
  'places.status': ['active', 'closed'],
  'vacant_shops.status': VACANT_STATUSES.map((s) => s.code),
  'projects.stage': STAGES.map((s) => s.code),
  'projects.themes': THEMES.map((t) => t.code),
  'programmes.programme': ['action_coeur_de_ville', 'petites_villes_de_demain', 'france_services'],
  'needs.category': NEED_CATEGORIES.map((c) => c.code),
};

const COMMUNE = /^[0-9][0-9AB][0-9]{3}$/;

function bad(fr: string, en: string): never {
  throw new HttpProblem(400, fr, en);
}

function checkValue(layer: LayerDefinition, p: LayerProperty, value: unknown): void {
  const where = `« ${p.name} » (${layer.id})`;
  const whereEn = `"${p.name}" (${layer.id})`;
  if (value === null) return;
  const ok = (() => {
    switch (p.type) {
      case 'string': return typeof value === 'string';
      case 'integer': return typeof value === 'number' && Number.isInteger(value);
      case 'number': return typeof value === 'number' && Number.isFinite(value);
      case 'boolean': return typeof value === 'boolean';
      case 'date': return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
      case 'string[]': return Array.isArray(value) && value.every((x) => typeof x === 'string');
    }
  })();
  if (!ok) bad(`${where} attend une valeur de type ${p.type}.`, `${whereEn} expects a value of type ${p.type}.`);
  const allowed = ENUMS[`${layer.table}.${p.column ?? p.name}`];
  const values = Array.isArray(value) ? value as string[] : [value];
  if (allowed) {
    const wrong = values.find((x) => !allowed.includes(String(x)));
    if (wrong !== undefined) bad(`${where} : « ${String(wrong)} » n’est pas admis ; valeurs : ${allowed.join(', ')}.`, `${whereEn}: "${String(wrong)}" is not allowed; values: ${allowed.join(', ')}.`);
  }
  if (/commune_code/.test(p.name) && values.some((x) => !COMMUNE.test(String(x)))) {
    bad(`${where} attend des codes INSEE à 5 caractères (53130).`, `${whereEn} expects 5-character INSEE codes (53130).`);
  }
  if (p.type === 'number' && p.name.includes('surface') && (value as number) <= 0) bad(`${where} doit être positive.`, `${whereEn} must be positive.`);
}

async function checkCorrection(db: Kysely<Database>, c: CorrectionInput): Promise<LayerDefinition> {
  const layer = findLayer(c.layer);
  if (!layer) {
    const known = LAYERS.map((l) => l.id).join(', ');
    bad(`Couche « ${c.layer} » inconnue ; couches : ${known}.`, `Unknown layer "${c.layer}"; layers: ${known}.`);
  }
  if (!validFeatureId(layer, c.featureId) || !await featureExists(db, layer, c.featureId)) {
    throw new HttpProblem(404, `Aucun objet « ${c.featureId} » dans la couche ${layer.id}.`, `No feature "${c.featureId}" in layer ${layer.id}.`);
  }
  const editable = editableProperties(layer);
  const names = Object.keys(c.changes);
  if (!names.length && !c.location) {
    bad('Indiquez au moins une valeur à corriger (changes) ou un nouvel emplacement (location).', 'Give at least one value to correct (changes) or a new location.');
  }
  if (c.location && layer.geometry !== 'Point') {
    bad(`Les objets de la couche ${layer.id} ne sont pas des points : on ne peut pas les déplacer ici.`, `Features of layer ${layer.id} are not points: they cannot be moved here.`);
  }
  for (const name of names) {
    const p = editable.find((x) => x.name === name);
    if (!p) {
      const list = editable.map((x) => x.name).join(', ');
      bad(`La propriété « ${name} » de ${layer.id} ne se corrige pas ici ; propriétés : ${list}.`, `Property "${name}" of ${layer.id} cannot be corrected here; properties: ${list}.`);
    }
    checkValue(layer, p, c.changes[name]);
    if (layer.table === 'places' && p.name === 'category' && !await placeCategoryExists(db, String(c.changes[name]))) {
      bad(`Catégorie « ${String(c.changes[name])} » inconnue (voir /api/place-categories).`, `Unknown category "${String(c.changes[name])}" (see /api/place-categories).`);
    }
  }
  return layer;
}

/** The layer a contribution writes to, after the checks that need the registry or the data. */
export async function checkContribution(db: Kysely<Database>, body: ContributionInput): Promise<LayerDefinition> {
  switch (body.kind) {
    case 'correction': return checkCorrection(db, body);
    case 'place':
      if (!await placeCategoryExists(db, body.category)) {
        bad(`Catégorie « ${body.category} » inconnue (voir /api/place-categories).`, `Unknown category "${body.category}" (see /api/place-categories).`);
      }
      return findLayer('places')!;
    case 'vacant_shop': {
      const layer = findLayer('vacant_shops')!;
      if (body.targetId !== undefined && !await featureExists(db, layer, String(body.targetId))) {
        throw new HttpProblem(404, `Aucun local vacant n° ${body.targetId}.`, `No vacant shop #${body.targetId}.`);
      }
      return layer;
    }
    case 'project': return findLayer('projects')!;
    case 'need': return findLayer('needs')!;
  }
}
