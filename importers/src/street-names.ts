// Display names for street centre lines. BD TOPO and FANTOIR write names in abbreviated upper
// case without accents (`R DU CHATEAU`, `PL MARECHAL FOCH`); people read « Rue du Château ».
// Pure text: no I/O. The accented spelling of a nearby OpenStreetMap street, when there is one,
// is applied in SQL by the streets importer (it knows where the streets are).

/** Street types (FANTOIR « nature de voie » and BD TOPO abbreviations) written out. */
export const STREET_TYPES: Readonly<Record<string, string>> = {
  ALL: 'Allée', AV: 'Avenue', BD: 'Boulevard', BER: 'Berge', CAR: 'Carrefour', CHE: 'Chemin', CHEM: 'Chemin',
  CHS: 'Chaussée', CITE: 'Cité', CLOS: 'Clos', COR: 'Corniche', COUR: 'Cour', COURS: 'Cours', CRS: 'Cours',
  CTRE: 'Centre', DOM: 'Domaine', ESC: 'Escalier', ESP: 'Esplanade', FG: 'Faubourg', GR: 'Grande Rue',
  HAM: 'Hameau', HLE: 'Halle', IMP: 'Impasse', JARD: 'Jardin', LD: 'Lieu-dit', LOT: 'Lotissement', MAIL: 'Mail',
  MAR: 'Marché', MTE: 'Montée', PARC: 'Parc', PAS: 'Passage', PASS: 'Passage', PL: 'Place', PLN: 'Plaine',
  PLT: 'Plateau', PONT: 'Pont', PORT: 'Port', PRO: 'Promenade', PROM: 'Promenade', PRV: 'Parvis', PTTE: 'Placette',
  QUA: 'Quartier', QU: 'Quai', QUAI: 'Quai', R: 'Rue', RES: 'Résidence', RLE: 'Ruelle', ROC: 'Rocade',
  RPT: 'Rond-point', RTE: 'Route', SEN: 'Sentier', SENT: 'Sentier', SQ: 'Square', TPL: 'Terre-plein',
  TRA: 'Traverse', VLA: 'Villa', VLGE: 'Village', VOIE: 'Voie', ZA: 'Zone d’activités', ZI: 'Zone industrielle',
};

/** Abbreviated titles inside a name. */
const TITLES: Readonly<Record<string, string>> = {
  ST: 'Saint', STE: 'Sainte', GAL: 'Général', GEN: 'Général', MAL: 'Maréchal', PDT: 'Président', PRES: 'Président',
  DR: 'Docteur', DOC: 'Docteur', CDT: 'Commandant', CNE: 'Capitaine', CAP: 'Capitaine', LT: 'Lieutenant',
  MGR: 'Monseigneur', PROF: 'Professeur', ABBE: 'Abbé', NTRE: 'Notre',
};

/**
 * Frequent words of French street names whose accents an upper-case source drops. A heuristic
 * that only adds accents it is sure of; rarer words wait for a nearby accented spelling.
 */
const ACCENTED: Readonly<Record<string, string>> = Object.fromEntries(
  ('Général Généraux Maréchal Président Préfet Hôtel Hôpital École Écoles Église Écuries Évêché États Français '
    + 'François Françoise André Andrée René Renée Léon Léonard Émile Édouard Edmée Félix Hélène Céline Élie '
    + 'Éléonore Étienne Eugène Gérard Jérôme Joséphine Léopold Médéric Michèle Noël Thérèse Valérie Clément '
    + 'Frédéric Hébert Théodore Aimé Honoré Désiré Mémoire Libération Résistance Fraternité Égalité Liberté '
    + 'République Marché Château Chêne Pré Moulin Fontaine Cité Écluse Île Industrie Théâtre Université '
    + 'Forêt Côte Côtes Rivière Grève Vallée Échelle Émery Bâtiment Abbé Élisabeth Pâtis Croisée Entrée '
    + 'Métairie Prévôté Faïencerie')
    .split(' ').map((w) => [w.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase(), w]),
);

/** Lower-case words inside a name (« Rue de la Paix »), except right after the street type (« Rue La Fayette »). */
const PARTICLES = new Set(['DE', 'DU', 'DES', 'LA', 'LE', 'LES', 'ET', 'AU', 'AUX', 'EN', 'SUR', 'SOUS', 'A', 'À', 'L', 'D']);
/** Particles that stay lower case even right after the type: « Rue de la Paix », « Rue des Halles ». */
const ALWAYS_LOWER = new Set(['DE', 'DU', 'DES', 'ET', 'AU', 'AUX', 'EN', 'SUR', 'SOUS', 'A', 'À', 'L', 'D']);
const ROMAN = /^(?:I{1,3}|IV|VI{0,3}|IX|XI{0,3}|XIV|XV|XVI{0,3}|XIX|XX)$/;

function capitalise(word: string): string {
  const lower = word.toLocaleLowerCase('fr');
  return lower.charAt(0).toLocaleUpperCase('fr') + lower.slice(1);
}

/** One word (no spaces, no hyphens), at index `i` of the name after the type. */
function displayWord(word: string, i: number): string {
  if (ROMAN.test(word)) return word;
  // Elisions: D'ARC → d'Arc, L'HOTEL → l'Hôtel.
  const elision = /^([DL])['’](.+)$/.exec(word);
  if (elision) return `${elision[1]!.toLowerCase()}'${displayWord(elision[2]!, 1)}`;
  if (TITLES[word]) return TITLES[word]!;
  if (PARTICLES.has(word) && (i > 0 || ALWAYS_LOWER.has(word))) return word === 'A' ? 'à' : word.toLowerCase();
  if (/^\d/.test(word)) return word.toLowerCase(); // 50, 1ER, 8E
  return ACCENTED[word] ?? capitalise(word);
}

/** True when a name is written in capitals only (an abbreviated source name, not a spelling). */
export function isUpperCaseName(name: string): boolean {
  return name === name.toLocaleUpperCase('fr') && /\p{L}/u.test(name);
}

/**
 * The display form of an upper-case, abbreviated street name: the type written out, French
 * title case with lower-case particles, known accents restored. A name that already has lower
 * case letters is a spelling and is returned as it is (trimmed).
 *
 * @example
 * displayStreetName('R CREBILLON');                // 'Rue Crebillon'
 * displayStreetName("R LA TOUR D'AUVERGNE");       // "Rue La Tour d'Auvergne"
 * displayStreetName('PL MARECHAL FOCH');           // 'Place Maréchal Foch'
 * displayStreetName('CRS DES 50 OTAGES');          // 'Cours des 50 Otages'
 * displayStreetName('Rue Crébillon');              // 'Rue Crébillon'
 */
export function displayStreetName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (!isUpperCaseName(trimmed)) return trimmed;
  const [first = '', ...rest] = trimmed.split(' ');
  const type = STREET_TYPES[first];
  const words = type ? rest : [first, ...rest];
  const shown = words.map((word, i) => word.split('-').map((part, j) => displayWord(part, i + j)).join('-'));
  const body = shown.join(' ');
  if (!type) return body.charAt(0).toLocaleUpperCase('fr') + body.slice(1);
  return body ? `${type} ${body}` : type;
}

