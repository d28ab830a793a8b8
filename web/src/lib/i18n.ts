/**
 * Every UI string of the portal, French first and English second.
 *
 * The French dictionary is the reference: `Messages` is derived from it, so an
 * English entry that is missing or misspelt is a type error rather than a blank
 * label at run time. Labels that come from the API (layer titles, category
 * names) are already bilingual and go through `localized` instead.
 */

export const locales = ['fr', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'fr';

const fr = {
	'app.name': 'Maillage',
	'app.tagline': 'Communes et lieux du quotidien en Mayenne',
	'app.title': 'Maillage · carte du territoire',
	'app.description':
		'Portail ouvert du maillage territorial : communes, cafés, commerces et services de la Mayenne.',
	'lang.switch': 'Langue',
	'lang.fr': 'Français',
	'lang.en': 'English',

	'map.label': 'Carte des communes et des lieux de la Mayenne',
	'map.loading': 'Chargement des communes et des lieux…',
	'map.error.title': 'Les données de la carte n’ont pas pu être chargées.',
	'map.error.detail': 'Le serveur a répondu {status} pour {url}.',
	'map.error.network': 'Le serveur est injoignable ({url}).',
	'map.error.shape': 'La réponse de {url} n’a pas la forme attendue.',
	'map.error.renderTitle': 'La carte a rencontré une erreur.',
	'map.error.retry': 'Réessayer',

	'panel.title': 'Couches',
	'panel.open': 'Afficher les couches et la légende',
	'panel.close': 'Masquer les couches et la légende',
	'panel.population': 'Population municipale',
	'panel.population.unknown': 'Non renseignée',
	'panel.population.below': 'moins de {max}',
	'panel.population.range': '{min} à {max}',
	'panel.population.above': '{min} et plus',
	'panel.categories': 'Catégories',
	'panel.sources': 'Sources et licences',
	'panel.partial': 'Affichage partiel : {shown} sur {total}.',
	'panel.clusters': 'Les nombres regroupent les lieux proches ; zoomez pour les séparer.',

	'feature.population': '{count} hab.',
	'feature.populationUnknown': 'Population non renseignée',
	'feature.epci': 'Intercommunalité',
	'feature.code': 'Code INSEE',
	'feature.commune': 'Commune',
	'feature.unnamed': 'Lieu sans nom',

	'error.notFound': 'Cette page n’existe pas.',
	'error.other': 'Une erreur est survenue ({status}).',
	'error.home': 'Retour à la carte'
} as const;

export type MessageKey = keyof typeof fr;
type Messages = Record<MessageKey, string>;

const en: Messages = {
	'app.name': 'Maillage',
	'app.tagline': 'Municipalities and everyday places in Mayenne',
	'app.title': 'Maillage · territory map',
	'app.description':
		'Open portal of the territorial network: municipalities, cafés, shops and services of Mayenne.',
	'lang.switch': 'Language',
	'lang.fr': 'Français',
	'lang.en': 'English',

	'map.label': 'Map of the municipalities and places of Mayenne',
	'map.loading': 'Loading municipalities and places…',
	'map.error.title': 'The map data could not be loaded.',
	'map.error.detail': 'The server answered {status} for {url}.',
	'map.error.network': 'The server cannot be reached ({url}).',
	'map.error.shape': 'The response of {url} does not have the expected shape.',
	'map.error.renderTitle': 'The map ran into an error.',
	'map.error.retry': 'Try again',

	'panel.title': 'Layers',
	'panel.open': 'Show layers and legend',
	'panel.close': 'Hide layers and legend',
	'panel.population': 'Municipal population',
	'panel.population.unknown': 'Not available',
	'panel.population.below': 'under {max}',
	'panel.population.range': '{min} to {max}',
	'panel.population.above': '{min} and over',
	'panel.categories': 'Categories',
	'panel.sources': 'Sources and licences',
	'panel.partial': 'Partial view: {shown} of {total}.',
	'panel.clusters': 'Numbers group nearby places; zoom in to separate them.',

	'feature.population': '{count} inhabitants',
	'feature.populationUnknown': 'Population not available',
	'feature.epci': 'Intercommunality',
	'feature.code': 'INSEE code',
	'feature.commune': 'Municipality',
	'feature.unnamed': 'Unnamed place',

	'error.notFound': 'This page does not exist.',
	'error.other': 'Something went wrong ({status}).',
	'error.home': 'Back to the map'
};

/**
 * MapLibre's own control labels (button titles, read by screen readers). Its
 * defaults are English; MapLibre reads them once, when the map is created.
 */
export const mapLibreStrings: Record<Locale, Record<string, string>> = {
	fr: {
		'AttributionControl.ToggleAttribution': 'Afficher ou masquer les sources',
		'Map.Title': 'Carte',
		'NavigationControl.ZoomIn': 'Zoom avant',
		'NavigationControl.ZoomOut': 'Zoom arrière',
		'NavigationControl.ResetBearing': 'Réorienter vers le nord',
		'Popup.Close': 'Fermer'
	},
	en: {}
};

const dictionaries: Record<Locale, Messages> = { fr, en };

/** A label the API already gives in both languages, e.g. a layer title. */
export type LocalizedText = Record<Locale, string>;

/** BCP 47 tags for `Intl`, so that numbers read « 49 728 » in French. */
const intlTags: Record<Locale, string> = { fr: 'fr-FR', en: 'en-GB' };

export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/**
 * Looks a message up and fills its `{placeholders}`.
 *
 * @example
 * translate('fr', 'panel.partial', { shown: '10 000', total: '16 180' });
 * // → 'Affichage partiel : 10 000 sur 16 180.'
 */
export function translate(
	locale: Locale,
	key: MessageKey,
	params: Record<string, string | number> = {}
): string {
	return dictionaries[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
		name in params ? String(params[name]) : whole
	);
}

/**
 * Picks the label of the current language from a bilingual API label.
 *
 * @example
 * localized({ fr: 'Communes', en: 'Municipalities' }, 'en'); // → 'Municipalities'
 */
export function localized(text: LocalizedText, locale: Locale): string {
	return text[locale];
}

const integerFormats = new Map<Locale, Intl.NumberFormat>();

/**
 * Formats a count with the grouping of the language.
 *
 * @example
 * formatInteger(49728, 'fr'); // → '49 728' (narrow no-break space)
 * formatInteger(49728, 'en'); // → '49,728'
 */
export function formatInteger(value: number, locale: Locale): string {
	let format = integerFormats.get(locale);
	if (!format) {
		format = new Intl.NumberFormat(intlTags[locale], { maximumFractionDigits: 0 });
		integerFormats.set(locale, format);
	}
	return format.format(value);
}
