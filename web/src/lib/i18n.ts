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
	'error.home': 'Retour à la carte',

	// Navigation, the open-data page (/donnees) and the API documentation (/donnees/api).
	'nav.label': 'Navigation principale',
	'nav.map': 'Carte',
	'nav.data': 'Données',
	'nav.api': 'API',
	'nav.skip': 'Aller au contenu',
	'nav.breadcrumb': 'Fil d’Ariane',

	'data.title': 'Données ouvertes',
	'data.pageTitle': 'Données ouvertes · Maillage',
	'data.lead':
		'Toutes les couches du portail sont téléchargeables librement et interrogeables par API, sans clé ni inscription. Chaque jeu de données indique sa licence, ses sources et la date de son dernier import.',
	'data.stats.datasets': 'jeux de données',
	'data.stats.features': 'objets géographiques',
	'data.stats.updated': 'dernier import',
	'data.list.title': 'Jeux de données',
	'data.use.title': 'Utiliser les données',
	'data.use.intro':
		'Téléchargez un fichier ou branchez votre outil directement sur l’API : les données restent à jour sans nouvel envoi.',
	'data.use.qgis.title': 'Dans QGIS',
	'data.use.qgis.text':
		'Menu Couche › Ajouter une couche › Ajouter une couche WFS / OGC API – Entités, puis créez une connexion avec cette adresse :',
	'data.use.r.title': 'En R (sf)',
	'data.use.r.text': 'Le pilote OGC API de GDAL lit une collection entière, page après page :',
	'data.use.python.title': 'En Python (GeoPandas)',
	'data.use.python.text': 'Les fichiers se lisent directement par leur adresse :',
	'data.use.catalog.title': 'Catalogue DCAT-AP',
	'data.use.catalog.text':
		'Le catalogue au format DCAT-AP (JSON-LD) décrit chaque jeu, sa licence et ses distributions, pour les moissonneurs comme data.gouv.fr.',
	'data.use.catalog.link': 'Ouvrir le catalogue DCAT-AP',
	'data.use.api.link': 'Lire la documentation de l’API',
	'data.copy': 'Copier',
	'data.copied': 'Copié',
	'data.copy.label': 'Copier l’adresse {url}',
	'data.card.id': 'Identifiant',
	'data.card.features': 'Objets',
	'data.card.licence': 'Licence',
	'data.card.updated': 'Dernier import',
	'data.card.notImported': 'Pas encore importé',
	'data.card.sources': 'Sources',
	'data.card.source.attribution': 'Attribution : {text}',
	'data.card.source.imported': 'importée le {date}',
	'data.card.downloads': 'Télécharger',
	'data.card.download.label': 'Télécharger « {title} » au format {format}',
	'data.card.services': 'Services',
	'data.card.service.label': '{service} de « {title} »',
	'data.card.empty': 'Ce jeu de données ne contient encore aucun objet ; les fichiers téléchargés seront vides.',
	'data.licence.unknown': 'Licence non renseignée',
	'data.odbl.text':
		'Une base de données dérivée de ce jeu (extrait, enrichissement, fusion) doit être diffusée sous la même licence ODbL. Une carte ou une image produite avec ces données peut être publiée sous la licence de votre choix.',
	'data.odbl.attribution': 'Mention obligatoire :',
	'data.error.title': 'Le catalogue des données n’a pas pu être chargé.',
	'data.error.http': 'Le serveur a répondu {status} pour {url}.',
	'data.error.network': 'Le serveur de l’API est injoignable ({url}).',
	'data.error.shape': 'La réponse de {url} n’a pas la forme attendue.',
	'data.error.retry': 'Réessayer',
	'data.footer':
		'Maillage, portail ouvert du maillage territorial. Le logiciel est sous licence AGPL-3.0 ; chaque jeu de données a sa propre licence, indiquée sur la page Données ouvertes.',

	'apidocs.title': 'Documentation de l’API',
	'apidocs.pageTitle': 'Documentation de l’API · Maillage',
	'apidocs.lead':
		'L’API de Maillage sert les couches du portail en GeoJSON selon la norme OGC API – Features, en tuiles vectorielles et en fichiers à télécharger. Elle est ouverte : ni clé, ni inscription. Cette page est générée à partir de sa description OpenAPI.',
	'apidocs.version': 'Version {version}',
	'apidocs.spec': 'Description OpenAPI (JSON)',
	'apidocs.base': 'Adresse de base',
	'apidocs.toc': 'Sommaire',
	'apidocs.examples.title': 'Exemples de requêtes',
	'apidocs.example.collections': 'Lister les collections (couches) disponibles',
	'apidocs.example.cafes': 'Dix cafés et bars, filtrés en CQL2',
	'apidocs.example.bbox': 'Les communes d’une emprise (ici, autour de Laval)',
	'apidocs.example.queryables': 'Les propriétés filtrables des lieux',
	'apidocs.example.tilejson': 'Le TileJSON des lieux, pour MapLibre ou QGIS',
	'apidocs.example.catalog': 'Le catalogue DCAT-AP de toutes les couches',
	'apidocs.errors.title': 'Erreurs',
	'apidocs.errors.text':
		'Une requête refusée reçoit une réponse application/problem+json (RFC 9457) : « detail » l’explique en français, « detail_en » en anglais.',
	'apidocs.operations': '{count} opérations',
	'apidocs.params.caption': 'Paramètres de {method} {path}',
	'apidocs.param.name': 'Nom',
	'apidocs.param.type': 'Type',
	'apidocs.param.description': 'Description',
	'apidocs.param.required': 'requis',
	'apidocs.param.optional': 'facultatif',
	'apidocs.param.in.path': 'chemin',
	'apidocs.param.in.query': 'requête',
	'apidocs.param.in.header': 'en-tête',
	'apidocs.param.default': 'défaut : {value}',
	'apidocs.param.range': 'de {min} à {max}',
	'apidocs.param.maxLength': '{max} caractères au plus',
	'apidocs.param.values': 'valeurs : {values}',
	'apidocs.responses': 'Réponses',
	'apidocs.example': 'Exemple',
	'apidocs.error.title': 'La documentation de l’API n’a pas pu être chargée.',
	'apidocs.tag.service': 'Service',
	'apidocs.tag.service.text': 'L’état du service.',
	'apidocs.tag.layers': 'Couches',
	'apidocs.tag.layers.text': 'Le registre des couches : titres, licences, attributions, nombres d’objets, catégories de lieux.',
	'apidocs.tag.catalog': 'Catalogue',
	'apidocs.tag.catalog.text': 'Le catalogue DCAT-AP des jeux de données, en JSON-LD.',
	'apidocs.tag.ogc': 'OGC API – Features',
	'apidocs.tag.ogc.text':
		'Les objets de chaque couche en GeoJSON, paginés, filtrables par emprise, par propriété ou en CQL2. QGIS, GDAL et ArcGIS s’y connectent directement.',
	'apidocs.tag.tiles': 'Tuiles vectorielles',
	'apidocs.tag.tiles.text': 'Tuiles Mapbox Vector Tile et leur description TileJSON, pour l’affichage cartographique.',
	'apidocs.tag.exports': 'Téléchargements',
	'apidocs.tag.exports.text': 'Une couche entière en un fichier : GeoJSON, CSV ou GeoPackage.',
	'apidocs.tag.other': 'Autres',
	'apidocs.paramHelp.bbox': 'Emprise minLon,minLat,maxLon,maxLat en degrés WGS 84.',
	'apidocs.paramHelp.limit': 'Nombre maximal d’objets renvoyés par page.',
	'apidocs.paramHelp.offset': 'Nombre d’objets à sauter, pour paginer.',
	'apidocs.paramHelp.f': 'Format de la réponse.',
	'apidocs.paramHelp.filter': 'Filtre CQL2, par exemple category=\'cafe_bar\'.',
	'apidocs.paramHelp.filter-lang': 'Langage du filtre : cql2-text.',
	'apidocs.paramHelp.lang': 'Langue des titres : fr ou en.',
	'apidocs.paramHelp.collectionId': 'Identifiant de la collection, par exemple places.',
	'apidocs.paramHelp.featureId': 'Identifiant de l’objet dans la collection.',
	// The commune page (/communes/[code]).
	'commune.pageTitle': '{name} ({code}) · fiche commune · Maillage',
	'commune.lead': 'Commune de {departement} : lieux du quotidien, distances aux services, locaux vacants et programmes.',
	'commune.facts': 'Chiffres clés',
	'commune.population': 'Population',
	'commune.inhabitants': '{count} hab.',
	'commune.unknown': 'Non renseignée',
	'commune.code': 'Code INSEE',
	'commune.postalCodes': 'Code postal',
	'commune.epci': 'Intercommunalité (EPCI)',
	'commune.departement': 'Département',
	'commune.region': 'Région',
	'commune.area': 'Superficie',
	'commune.areaValue': '{value} km²',
	'commune.map.title': 'Carte de la commune',
	'commune.map.label': 'Carte de {name} : contour de la commune et lieux du quotidien',
	'commune.map.back': 'Ouvrir la carte du territoire',
	'commune.nearest.title': 'Services les plus proches',
	'commune.nearest.lead': 'Distance à vol d’oiseau depuis le point central de la commune, jusqu’au service le plus proche, dans la commune ou ailleurs.',
	'commune.nearest.caption': 'Distance au service le plus proche depuis {name}',
	'commune.nearest.kind': 'Service',
	'commune.nearest.distance': 'Distance',
	'commune.nearest.place': 'Lieu (commune)',
	'commune.nearest.none': 'Aucun dans les données',
	'commune.nearest.unnamed': 'Sans nom',
	'commune.kind.cafe_bar': 'Café le plus proche',
	'commune.kind.grocery': 'Épicerie la plus proche',
	'commune.kind.bakery': 'Boulangerie la plus proche',
	'commune.kind.tiers_lieu': 'Tiers-lieu le plus proche',
	'commune.kind.france_services': 'France services le plus proche',
	'commune.places.title': 'Lieux du quotidien dans la commune',
	'commune.places.caption': 'Nombre de lieux par catégorie à {name}',
	'commune.places.category': 'Catégorie',
	'commune.places.count': 'Nombre',
	'commune.local.title': 'Tiers-lieux et locaux commerciaux',
	'commune.local.tiersLieux': 'Tiers-lieux',
	'commune.vacant.vacant': 'Locaux vacants',
	'commune.vacant.reoccupied': 'Locaux réoccupés',
	'commune.vacant.in_project': 'Locaux en projet',
	'commune.programmes.title': 'Programmes et projets',
	'commune.programmes.none': 'La commune ne figure dans aucun programme national suivi ici.',
	'commune.programme.action_coeur_de_ville': 'Action Cœur de Ville',
	'commune.programme.petites_villes_de_demain': 'Petites villes de demain',
	'commune.programme.france_services': 'France services',
	'commune.projects.count': 'Projets de territoire publiés : {count}',
	'commune.downloads.title': 'Télécharger les données de la commune',
	'commune.downloads.outline': 'Contour de la commune (GeoJSON)',
	'commune.layer.places': 'Lieux du quotidien',
	'commune.layer.tiers_lieux': 'Tiers-lieux',
	'commune.layer.vacant_shops': 'Locaux vacants',
	'commune.layer.programmes': 'Programmes',
	'commune.sources.title': 'Sources et licences',
	'commune.sources.lead': 'Les données de cette page viennent des jeux suivants ; réutilisez-les en citant leur source.',
	'commune.error.title': 'La fiche de cette commune n’a pas pu être chargée.'
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
	'error.home': 'Back to the map',

	'nav.label': 'Main navigation',
	'nav.map': 'Map',
	'nav.data': 'Data',
	'nav.api': 'API',
	'nav.skip': 'Skip to content',
	'nav.breadcrumb': 'Breadcrumb',

	'data.title': 'Open data',
	'data.pageTitle': 'Open data · Maillage',
	'data.lead':
		'Every layer of the portal can be downloaded freely and queried through the API, with no key and no sign-up. Each dataset states its licence, its sources and the date of its last import.',
	'data.stats.datasets': 'datasets',
	'data.stats.features': 'geographic features',
	'data.stats.updated': 'last import',
	'data.list.title': 'Datasets',
	'data.use.title': 'Using the data',
	'data.use.intro':
		'Download a file, or connect your tool straight to the API: the data stays current without sending anything again.',
	'data.use.qgis.title': 'In QGIS',
	'data.use.qgis.text':
		'Layer › Add Layer › Add WFS / OGC API – Features Layer, then create a connection with this address:',
	'data.use.r.title': 'In R (sf)',
	'data.use.r.text': 'GDAL’s OGC API driver reads a whole collection, page after page:',
	'data.use.python.title': 'In Python (GeoPandas)',
	'data.use.python.text': 'Files are read straight from their address:',
	'data.use.catalog.title': 'DCAT-AP catalogue',
	'data.use.catalog.text':
		'The DCAT-AP catalogue (JSON-LD) describes every dataset, its licence and its distributions, for harvesters such as data.gouv.fr.',
	'data.use.catalog.link': 'Open the DCAT-AP catalogue',
	'data.use.api.link': 'Read the API documentation',
	'data.copy': 'Copy',
	'data.copied': 'Copied',
	'data.copy.label': 'Copy the address {url}',
	'data.card.id': 'Identifier',
	'data.card.features': 'Features',
	'data.card.licence': 'Licence',
	'data.card.updated': 'Last import',
	'data.card.notImported': 'Not imported yet',
	'data.card.sources': 'Sources',
	'data.card.source.attribution': 'Attribution: {text}',
	'data.card.source.imported': 'imported on {date}',
	'data.card.downloads': 'Download',
	'data.card.download.label': 'Download “{title}” as {format}',
	'data.card.services': 'Services',
	'data.card.service.label': '{service} of “{title}”',
	'data.card.empty': 'This dataset has no features yet; downloaded files will be empty.',
	'data.licence.unknown': 'Licence not stated',
	'data.odbl.text':
		'A database derived from this dataset (extract, enrichment, merge) must be shared under the same ODbL licence. A map or an image made with the data may be published under the licence of your choice.',
	'data.odbl.attribution': 'Required credit:',
	'data.error.title': 'The data catalogue could not be loaded.',
	'data.error.http': 'The server answered {status} for {url}.',
	'data.error.network': 'The API server cannot be reached ({url}).',
	'data.error.shape': 'The response of {url} does not have the expected shape.',
	'data.error.retry': 'Try again',
	'data.footer':
		'Maillage, open portal of the territorial network. The software is licensed under the AGPL-3.0; each dataset has its own licence, stated on the Open data page.',

	'apidocs.title': 'API documentation',
	'apidocs.pageTitle': 'API documentation · Maillage',
	'apidocs.lead':
		'The Maillage API serves the portal’s layers as GeoJSON following the OGC API – Features standard, as vector tiles and as downloadable files. It is open: no key, no sign-up. This page is generated from its OpenAPI description.',
	'apidocs.version': 'Version {version}',
	'apidocs.spec': 'OpenAPI description (JSON)',
	'apidocs.base': 'Base address',
	'apidocs.toc': 'Contents',
	'apidocs.examples.title': 'Example requests',
	'apidocs.example.collections': 'List the available collections (layers)',
	'apidocs.example.cafes': 'Ten cafés and bars, filtered with CQL2',
	'apidocs.example.bbox': 'The municipalities in a bounding box (here, around Laval)',
	'apidocs.example.queryables': 'The filterable properties of places',
	'apidocs.example.tilejson': 'The TileJSON of places, for MapLibre or QGIS',
	'apidocs.example.catalog': 'The DCAT-AP catalogue of every layer',
	'apidocs.errors.title': 'Errors',
	'apidocs.errors.text':
		'A refused request gets an application/problem+json response (RFC 9457): “detail” explains it in French, “detail_en” in English.',
	'apidocs.operations': '{count} operations',
	'apidocs.params.caption': 'Parameters of {method} {path}',
	'apidocs.param.name': 'Name',
	'apidocs.param.type': 'Type',
	'apidocs.param.description': 'Description',
	'apidocs.param.required': 'required',
	'apidocs.param.optional': 'optional',
	'apidocs.param.in.path': 'path',
	'apidocs.param.in.query': 'query',
	'apidocs.param.in.header': 'header',
	'apidocs.param.default': 'default: {value}',
	'apidocs.param.range': 'from {min} to {max}',
	'apidocs.param.maxLength': 'at most {max} characters',
	'apidocs.param.values': 'values: {values}',
	'apidocs.responses': 'Responses',
	'apidocs.example': 'Example',
	'apidocs.error.title': 'The API documentation could not be loaded.',
	'apidocs.tag.service': 'Service',
	'apidocs.tag.service.text': 'The state of the service.',
	'apidocs.tag.layers': 'Layers',
	'apidocs.tag.layers.text': 'The layer registry: titles, licences, attributions, feature counts, place categories.',
	'apidocs.tag.catalog': 'Catalogue',
	'apidocs.tag.catalog.text': 'The DCAT-AP catalogue of the datasets, in JSON-LD.',
	'apidocs.tag.ogc': 'OGC API – Features',
	'apidocs.tag.ogc.text':
		'The features of every layer as GeoJSON, paged, filtered by bounding box, by property or with CQL2. QGIS, GDAL and ArcGIS connect to it directly.',
	'apidocs.tag.tiles': 'Vector tiles',
	'apidocs.tag.tiles.text': 'Mapbox Vector Tiles and their TileJSON description, for map display.',
	'apidocs.tag.exports': 'Downloads',
	'apidocs.tag.exports.text': 'A whole layer in one file: GeoJSON, CSV or GeoPackage.',
	'apidocs.tag.other': 'Other',
	'apidocs.paramHelp.bbox': 'Bounding box minLon,minLat,maxLon,maxLat in WGS 84 degrees.',
	'apidocs.paramHelp.limit': 'Maximum number of features per page.',
	'apidocs.paramHelp.offset': 'Number of features to skip, for paging.',
	'apidocs.paramHelp.f': 'Response format.',
	'apidocs.paramHelp.filter': 'CQL2 filter, for example category=\'cafe_bar\'.',
	'apidocs.paramHelp.filter-lang': 'Filter language: cql2-text.',
	'apidocs.paramHelp.lang': 'Language of the titles: fr or en.',
	'apidocs.paramHelp.collectionId': 'Collection identifier, for example places.',
	'apidocs.paramHelp.featureId': 'Feature identifier within the collection.',
	'commune.pageTitle': '{name} ({code}) · municipality page · Maillage',
	'commune.lead': 'Municipality in {departement}: everyday places, distances to services, vacant shops and programmes.',
	'commune.facts': 'Key figures',
	'commune.population': 'Population',
	'commune.inhabitants': '{count} inhabitants',
	'commune.unknown': 'Not known',
	'commune.code': 'INSEE code',
	'commune.postalCodes': 'Postcode',
	'commune.epci': 'Inter-municipal body (EPCI)',
	'commune.departement': 'Département',
	'commune.region': 'Region',
	'commune.area': 'Area',
	'commune.areaValue': '{value} km²',
	'commune.map.title': 'Map of the municipality',
	'commune.map.label': 'Map of {name}: municipal boundary and everyday places',
	'commune.map.back': 'Open the map of the territory',
	'commune.nearest.title': 'Nearest services',
	'commune.nearest.lead': 'Straight-line distance from the central point of the municipality to the nearest service, inside the municipality or elsewhere.',
	'commune.nearest.caption': 'Distance to the nearest service from {name}',
	'commune.nearest.kind': 'Service',
	'commune.nearest.distance': 'Distance',
	'commune.nearest.place': 'Place (municipality)',
	'commune.nearest.none': 'None in the data',
	'commune.nearest.unnamed': 'Unnamed',
	'commune.kind.cafe_bar': 'Nearest café',
	'commune.kind.grocery': 'Nearest grocery',
	'commune.kind.bakery': 'Nearest bakery',
	'commune.kind.tiers_lieu': 'Nearest third place',
	'commune.kind.france_services': 'Nearest France services',
	'commune.places.title': 'Everyday places in the municipality',
	'commune.places.caption': 'Number of places by category in {name}',
	'commune.places.category': 'Category',
	'commune.places.count': 'Count',
	'commune.local.title': 'Third places and shop premises',
	'commune.local.tiersLieux': 'Third places (tiers-lieux)',
	'commune.vacant.vacant': 'Vacant shops',
	'commune.vacant.reoccupied': 'Reoccupied shops',
	'commune.vacant.in_project': 'Shops with a project',
	'commune.programmes.title': 'Programmes and projects',
	'commune.programmes.none': 'The municipality is in none of the national programmes followed here.',
	'commune.programme.action_coeur_de_ville': 'Action Cœur de Ville',
	'commune.programme.petites_villes_de_demain': 'Petites villes de demain',
	'commune.programme.france_services': 'France services',
	'commune.projects.count': 'Published local projects: {count}',
	'commune.downloads.title': 'Download the data of the municipality',
	'commune.downloads.outline': 'Municipal boundary (GeoJSON)',
	'commune.layer.places': 'Everyday places',
	'commune.layer.tiers_lieux': 'Third places',
	'commune.layer.vacant_shops': 'Vacant shops',
	'commune.layer.programmes': 'Programmes',
	'commune.sources.title': 'Sources and licences',
	'commune.sources.lead': 'The data on this page comes from the following datasets; credit their source when you reuse them.',
	'commune.error.title': 'The page of this municipality could not be loaded.'
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

const decimalFormats = new Map<string, Intl.NumberFormat>();

/**
 * Formats a measure with at most `digits` decimals, in the language's style.
 *
 * @example
 * formatDecimal(1.25, 'fr', 1); // → '1,3'
 * formatDecimal(1.25, 'en', 1); // → '1.3'
 */
export function formatDecimal(value: number, locale: Locale, digits: number): string {
	const key = `${locale}:${digits}`;
	let format = decimalFormats.get(key);
	if (!format) {
		format = new Intl.NumberFormat(intlTags[locale], { maximumFractionDigits: digits });
		decimalFormats.set(key, format);
	}
	return format.format(value);
}
