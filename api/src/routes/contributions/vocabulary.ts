// The closed lists of participation: project themes and stages, what a need can be about,
// vacant-shop statuses, and the licence a contribution is given under. The web forms read
// them from GET /api/contributions/vocabulary, so each list is written once, here.
import type { ProjectStage, VacantShopStatus } from '@maillage/sql';
import { type LayerDefinition, t } from '../../layers/registry.ts';

/** BIG's priorities (transition énergétique, cadre de vie, culture) and domains. */
export const THEMES = [
  { code: 'transition_energetique', label: t('Transition énergétique', 'Energy transition') },
  { code: 'cadre_de_vie', label: t('Cadre de vie', 'Living environment') },
  { code: 'culture', label: t('Culture', 'Culture') },
  { code: 'emploi', label: t('Emploi', 'Employment') },
  { code: 'sante', label: t('Santé', 'Health') },
  { code: 'alimentation', label: t('Alimentation', 'Food') },
  { code: 'education', label: t('Éducation', 'Education') },
] as const;

/** The incubation path of the Générateur Bourgogne Franche-Comté, in order. */
export const STAGES: readonly { code: ProjectStage; label: { fr: string; en: string } }[] = [
  { code: 'besoin_repere', label: t('Besoin repéré', 'Need identified') },
  { code: 'idee', label: t('Idée', 'Idea') },
  { code: 'etude_opportunite', label: t('Étude d’opportunité', 'Opportunity study') },
  { code: 'montage', label: t('Montage', 'Set-up') },
  { code: 'lancement', label: t('Lancement', 'Launch') },
  { code: 'en_activite', label: t('En activité', 'Running') },
];

/** « Il manque … ici »: the daily-life and social-infrastructure categories, plus tiers-lieux and France services. */
export const NEED_CATEGORIES = [
  { code: 'cafe_bar', label: t('un café, un bar', 'a café or bar') },
  { code: 'bakery', label: t('une boulangerie', 'a bakery') },
  { code: 'grocery', label: t('une épicerie', 'a grocery') },
  { code: 'food_shop', label: t('un commerce alimentaire', 'a food shop') },
  { code: 'restaurant', label: t('un restaurant', 'a restaurant') },
  { code: 'pharmacy', label: t('une pharmacie', 'a pharmacy') },
  { code: 'tobacco_press', label: t('un tabac-presse', 'a tobacco and press shop') },
  { code: 'tiers_lieu', label: t('un tiers-lieu', 'a third place') },
  { code: 'community_hall', label: t('une salle des fêtes, une salle polyvalente', 'a community hall') },
  { code: 'france_services', label: t('un espace France services', 'a France services desk') },
  { code: 'culture', label: t('un lieu culturel', 'a cultural venue') },
  { code: 'other', label: t('autre chose (précisez)', 'something else (say what)') },
] as const;

export const VACANT_STATUSES: readonly { code: VacantShopStatus; label: { fr: string; en: string } }[] = [
  { code: 'vacant', label: t('Vacant', 'Vacant') },
  { code: 'reoccupied', label: t('Réoccupé', 'Reoccupied') },
  { code: 'in_project', label: t('En projet', 'Planned') },
];

export const ODBL = 'ODbL 1.0';
export const LICENCE_OUVERTE = 'Licence Ouverte 2.0';

/**
 * The licence a contribution to this layer is given under: ODbL where the layer holds
 * OpenStreetMap-derived data (share-alike: what joins it stays ODbL), Licence Ouverte 2.0
 * otherwise. Read from the layer's declared licence in the registry.
 *
 * @example
 * contributionLicence(findLayer('places')!); // 'ODbL 1.0'
 * contributionLicence(findLayer('needs')!);  // 'Licence Ouverte 2.0'
 */
export function contributionLicence(layer: LayerDefinition): typeof ODBL | typeof LICENCE_OUVERTE {
  return /ODbL/i.test(layer.licence) ? ODBL : LICENCE_OUVERTE;
}

/** The layer each kind of contribution writes to (a correction names its own). */
export const KIND_LAYER = { place: 'places', vacant_shop: 'vacant_shops', project: 'projects', need: 'needs' } as const;
export type ContributionKind = keyof typeof KIND_LAYER | 'correction';
export const KINDS: readonly ContributionKind[] = ['place', 'vacant_shop', 'project', 'need', 'correction'];
