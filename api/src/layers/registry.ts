// The one declaration of each layer (OGC collection). Items, tiles, exports, the catalogue and
// the map legend read it; adding a layer is adding an entry here.
import { HttpProblem } from '../problem.ts';

export type PropertyType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'string[]';

export interface LayerProperty {
  /** Name in the API. */
  name: string;
  /** Column in the table (defaults to name). */
  column?: string;
  type: PropertyType;
  title: { fr: string; en: string };
}

export interface LayerDefinition {
  id: string;
  table: 'communes' | 'epci' | 'places' | 'tiers_lieux' | 'vacant_shops' | 'programmes' | 'projects' | 'streets' | 'needs';
  idColumn: string;
  geometry: 'Point' | 'MultiPolygon' | 'MultiLineString' | 'Geometry';
  title: { fr: string; en: string };
  description: { fr: string; en: string };
  /** Licence and attribution of the layer as a whole; per-dataset ones come from `sources`. */
  licence: string;
  attribution: string;
  /** Contributed layers: only rows with status = 'published' are public. */
  moderated?: boolean;
  properties: LayerProperty[];
  /**
   * The `date` property that OGC `datetime` filters on, where a date means something for the
   * rows: when an imported row was last written, when a contribution was made. Absent for
   * communes and EPCI, which all describe one reference date (the COG of 1 January 2026).
   */
  temporal?: string;
}

/** A text in French and in English, as every title and description of the API carries it. */
export const t = (fr: string, en: string) => ({ fr, en });
const OSM = "© les contributeurs d'OpenStreetMap (ODbL)";
const provenance: LayerProperty[] = [
  { name: 'source', type: 'string', title: t('Source', 'Source') },
  { name: 'source_id', type: 'string', title: t('Identifiant dans la source', 'Source identifier') },
  { name: 'licence', type: 'string', title: t('Licence', 'Licence') },
  { name: 'imported_at', type: 'date', title: t("Date d'import", 'Import date') },
];

export const LAYERS: readonly LayerDefinition[] = [
  {
    id: 'communes', table: 'communes', idColumn: 'code', geometry: 'MultiPolygon',
    title: t('Communes', 'Municipalities'),
    description: t('Communes au 1er janvier 2026 avec leur population légale, EPCI, département et région.',
      'Municipalities on 1 January 2026 with their legal population, EPCI, département and region.'),
    licence: 'Licence Ouverte 2.0',
    attribution: 'IGN – Admin Express COG 2018 ; INSEE COG 2026, populations légales ; DGCL (EPCI)',
    properties: [
      { name: 'code', type: 'string', title: t('Code INSEE', 'INSEE code') },
      { name: 'name', type: 'string', title: t('Nom', 'Name') },
      { name: 'population', type: 'integer', title: t('Population', 'Population') },
      { name: 'epci_siren', type: 'string', title: t('SIREN de l’EPCI', 'EPCI SIREN') },
      { name: 'epci_name', type: 'string', title: t('EPCI', 'EPCI') },
      { name: 'departement', type: 'string', title: t('Département', 'Département') },
      { name: 'region', type: 'string', title: t('Région', 'Region') },
      { name: 'former_codes', type: 'string[]', title: t('Anciens codes', 'Former codes') },
      { name: 'area_m2', type: 'number', title: t('Surface (m²)', 'Area (m²)') },
      { name: 'source', type: 'string', title: t('Source', 'Source') },
      { name: 'licence', type: 'string', title: t('Licence', 'Licence') },
    ],
  },
  {
    id: 'epci', table: 'epci', idColumn: 'siren', geometry: 'MultiPolygon',
    title: t('EPCI', 'Inter-municipal bodies (EPCI)'),
    description: t('Établissements publics de coopération intercommunale à fiscalité propre ; polygone = union des communes membres.',
      'Inter-municipal cooperation bodies; polygon = union of member municipalities.'),
    licence: 'Licence Ouverte 2.0', attribution: 'DGCL, INSEE ; IGN – Admin Express COG 2018',
    properties: [
      { name: 'siren', type: 'string', title: t('SIREN', 'SIREN') },
      { name: 'name', type: 'string', title: t('Nom', 'Name') },
      { name: 'type', type: 'string', title: t('Type', 'Type') },
      { name: 'population', type: 'integer', title: t('Population', 'Population') },
      { name: 'commune_count', type: 'integer', title: t('Nombre de communes', 'Number of municipalities') },
    ],
  },
  {
    id: 'places', table: 'places', idColumn: 'id', geometry: 'Point', temporal: 'imported_at',
    title: t('Lieux du quotidien', 'Daily-life places'),
    description: t('Cafés, boulangeries, épiceries, commerces et services, par catégorie.',
      'Cafés, bakeries, groceries, shops and services, by category.'),
    licence: 'ODbL 1.0', attribution: OSM,
    properties: [
      { name: 'name', type: 'string', title: t('Nom', 'Name') },
      { name: 'category', type: 'string', title: t('Catégorie', 'Category') },
      { name: 'commune_code', type: 'string', title: t('Commune', 'Municipality') },
      { name: 'osm_tag', type: 'string', title: t('Étiquette OSM', 'OSM tag') },
      { name: 'status', type: 'string', title: t('Statut', 'Status') },
      { name: 'last_seen', type: 'date', title: t('Vu pour la dernière fois', 'Last seen') },
      ...provenance,
    ],
  },
  {
    id: 'tiers_lieux', table: 'tiers_lieux', idColumn: 'id', geometry: 'Point', temporal: 'imported_at',
    title: t('Tiers-lieux', 'Third places'),
    description: t('Tiers-lieux : coworkings, fablabs, recycleries, cafés associatifs…', 'Third places: coworking, fablabs, repair cafés…'),
    licence: 'Licence non précisée par la source', attribution: 'PiNG, France Tiers-Lieux, CAP Tiers-Lieux',
    properties: [
      { name: 'name', type: 'string', title: t('Nom', 'Name') },
      { name: 'typology', type: 'string[]', title: t('Typologie', 'Typology') },
      { name: 'spaces', type: 'string[]', title: t('Espaces proposés', 'Offered spaces') },
      { name: 'legal_model', type: 'string', title: t('Modèle juridique', 'Legal model') },
      { name: 'state', type: 'string', title: t('État', 'State') },
      { name: 'address', type: 'string', title: t('Adresse', 'Address') },
      { name: 'url', type: 'string', title: t('Site web', 'Website') },
      { name: 'commune_code', type: 'string', title: t('Commune', 'Municipality') },
      ...provenance,
    ],
  },
  {
    id: 'vacant_shops', table: 'vacant_shops', idColumn: 'id', geometry: 'Point', temporal: 'imported_at',
    title: t('Locaux vacants', 'Vacant shops'),
    description: t('Locaux commerciaux vacants, réoccupés ou en projet.', 'Vacant, reoccupied or planned shop premises.'),
    licence: 'ODbL 1.0', attribution: OSM,
    properties: [
      { name: 'name', type: 'string', title: t('Nom', 'Name') },
      { name: 'address', type: 'string', title: t('Adresse', 'Address') },
      { name: 'commune_code', type: 'string', title: t('Commune', 'Municipality') },
      { name: 'status', type: 'string', title: t('Statut', 'Status') },
      { name: 'former_activity', type: 'string', title: t('Ancienne activité', 'Former activity') },
      { name: 'surface_m2', type: 'number', title: t('Surface (m²)', 'Area (m²)') },
      { name: 'vacant_since', type: 'date', title: t('Vacant depuis', 'Vacant since') },
      ...provenance,
    ],
  },
  {
    id: 'programmes', table: 'programmes', idColumn: 'id', geometry: 'Point', temporal: 'imported_at',
    title: t('Programmes territoriaux', 'Territorial programmes'),
    description: t('Action Cœur de Ville, Petites villes de demain, France services.', 'Action Cœur de Ville, Petites villes de demain, France services.'),
    licence: 'Licence Ouverte 2.0', attribution: 'ANCT – Agence nationale de la cohésion des territoires',
    properties: [
      { name: 'programme', type: 'string', title: t('Programme', 'Programme') },
      { name: 'name', type: 'string', title: t('Nom', 'Name') },
      { name: 'commune_code', type: 'string', title: t('Commune', 'Municipality') },
      { name: 'programme_ref', type: 'string', title: t('Identifiant ANCT', 'ANCT identifier') },
      { name: 'detail', type: 'string', title: t('Détail', 'Detail') },
      ...provenance,
    ],
  },
  {
    id: 'projects', table: 'projects', idColumn: 'id', geometry: 'Geometry', temporal: 'created_at',
    title: t('Projets', 'Projects'),
    description: t('Projets de territoire proposés par les acteurs locaux.', 'Local projects proposed by local actors.'),
    licence: 'Licence Ouverte 2.0', attribution: 'Contributeurs de Maillage', moderated: true,
    properties: [
      { name: 'title', type: 'string', title: t('Titre', 'Title') },
      { name: 'themes', type: 'string[]', title: t('Thèmes', 'Themes') },
      { name: 'stage', type: 'string', title: t('Étape', 'Stage') },
      { name: 'lead_organisation', type: 'string', title: t('Porteur', 'Lead organisation') },
      { name: 'commune_codes', type: 'string[]', title: t('Communes', 'Municipalities') },
      { name: 'created_at', type: 'date', title: t('Proposé le', 'Proposed on') },
    ],
  },
  {
    id: 'streets', table: 'streets', idColumn: 'id', geometry: 'MultiLineString', temporal: 'imported_at',
    title: t('Rues', 'Streets'),
    description: t('Tronçons de voies (axes), fusionnés par nom pour l’analyse des rues pilotes.', 'Street centre-line segments.'),
    licence: 'Licence Ouverte 2.0 et ODbL 1.0 (selon la source)', attribution: `IGN – BD TOPO® ; ${OSM}`,
    properties: [
      { name: 'name', type: 'string', title: t('Nom', 'Name') },
      { name: 'name_display', type: 'string', title: t('Nom affiché', 'Display name') },
      { name: 'road_class', type: 'string', title: t('Classe', 'Class') },
      { name: 'commune_code', type: 'string', title: t('Commune', 'Municipality') },
      ...provenance,
    ],
  },
  {
    id: 'needs', table: 'needs', idColumn: 'id', geometry: 'Point', temporal: 'created_at',
    title: t('Besoins exprimés', 'Expressed needs'),
    description: t('« Il manque un café ici » : besoins exprimés par les habitants et modérés.', 'Needs expressed by residents, moderated.'),
    licence: 'Licence Ouverte 2.0', attribution: 'Contributeurs de Maillage', moderated: true,
    properties: [
      { name: 'category', type: 'string', title: t('Ce qui manque', 'What is missing') },
      { name: 'comment', type: 'string', title: t('Commentaire', 'Comment') },
      { name: 'commune_code', type: 'string', title: t('Commune', 'Municipality') },
      { name: 'created_at', type: 'date', title: t('Exprimé le', 'Expressed on') },
    ],
  },
];

const byId = new Map(LAYERS.map((l) => [l.id, l]));

/** The property OGC `datetime` filters on, or undefined when the layer declares none. */
export function temporalProperty(layer: LayerDefinition): LayerProperty | undefined {
  return layer.temporal === undefined ? undefined : layer.properties.find((p) => p.name === layer.temporal);
}

// A `temporal` that names no `date` property is a mistake in this file: fail at start.
for (const l of LAYERS) {
  if (l.temporal !== undefined && temporalProperty(l)?.type !== 'date') {
    throw new Error(`layer registry: ${l.id}.temporal "${l.temporal}" is not one of its date properties`);
  }
}

export function findLayer(id: string): LayerDefinition | undefined {
  return byId.get(id);
}

/** The layer of a URL, or a 404 problem that lists the layers there are. */
export function requireLayer(id: string): LayerDefinition {
  const layer = byId.get(id);
  if (!layer) {
    const known = LAYERS.map((l) => l.id).join(', ');
    throw new HttpProblem(404, `Collection inconnue « ${id} ». Collections : ${known}.`, `Unknown collection "${id}". Collections: ${known}.`);
  }
  return layer;
}
