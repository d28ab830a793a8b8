/**
 * The pilot page's client: the zone and pilot-street analyses of the API, the scenarios a
 * planner saves (on the server for a planner or an admin account, otherwise in this browser),
 * and the dossier exports (GeoJSON of the zones, CSV of the indicators, a map drawn in SVG).
 * Shapes restate the API's answers (/api/openapi.json: /analysis/zone, /analysis/pilot-streets,
 * /zones); the API is their reference.
 */
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon, Position } from 'geojson';
import type { LocalizedText } from '../../i18n.ts';

export interface ZoneCommune {
	code: string;
	name: string;
	population: number | null;
	area_in_zone_m2: number;
	commune_share: number;
	zone_share: number;
	population_estimate: number | null;
}

export interface ZoneNearest {
	kind: string;
	label: LocalizedText;
	inside: number;
	metres: number | null;
	name: string | null;
}

export interface ZoneIndicators {
	kind: string;
	params: Record<string, unknown>;
	scope: { id: string; name: string } | null;
	area_m2: number;
	area_km2: number;
	bbox: [number, number, number, number];
	communes: ZoneCommune[];
	population_estimate: number;
	places: { category: string; label: LocalizedText; color: string; count: number }[];
	active_shops: number;
	vacant_shops: { vacant: number; reoccupied: number; in_project: number };
	vacancy: { rate: number | null; alert_threshold: number; alert: boolean; definition: LocalizedText };
	tiers_lieux: { count: number; items: { id: string; name: string }[] };
	programmes: { count: number; items: { id: string; programme: string; name: string }[] };
	projects: { count: number; items: { id: string; title: string }[] };
	nearest: ZoneNearest[];
}

/** The answer of POST /api/analysis/zone: the zone's outline with its indicators. */
export type ZoneAnswer = Feature<MultiPolygon, ZoneIndicators> & { licence: string; attribution: string };

export type PilotPart = 'vacant' | 'active' | 'vacancy_rate' | 'length' | 'cafes' | 'tiers_lieux';
export const PILOT_PARTS: readonly PilotPart[] = ['vacant', 'active', 'vacancy_rate', 'length', 'cafes', 'tiers_lieux'];

export interface PilotStreet {
	rank: number;
	name: string;
	method: 'streets' | 'strips_from_shops';
	commune_code: string;
	commune_name: string;
	landmark: string | null;
	score: number;
	active_shops: number;
	vacant_shops: number;
	vacancy_rate: number | null;
	cafes: number;
	tiers_lieux: number;
	length_m: number;
	points: Record<PilotPart, number>;
}

export type PilotStreets = FeatureCollection<Geometry, PilotStreet> & {
	method: 'streets' | 'strips_from_shops' | 'mixed';
	scope: { id: string; name: string; bbox: [number, number, number, number] | null };
	parameters: { frontage_m: number; nearby_m: number; weights: Record<PilotPart, number> };
	definition: LocalizedText;
	maxima: { vacant_shops: number; active_shops: number };
	candidates: number;
	vacant_in_scope: number;
	licence: string;
	attribution: string;
};

/** A problem+json answer, worded in both languages by the API. */
export class PilotApiError extends Error {
	constructor(
		readonly status: number,
		readonly detail: LocalizedText
	) {
		super(detail.en);
		this.name = 'PilotApiError';
	}
}

async function answer<T>(response: Response): Promise<T> {
	if (response.ok) return (response.status === 204 ? null : await response.json()) as T;
	let detail: LocalizedText = { fr: `Erreur ${response.status}`, en: `Error ${response.status}` };
	try {
		const p = (await response.json()) as { detail?: string; detail_en?: string };
		if (p.detail) detail = { fr: p.detail, en: p.detail_en ?? p.detail };
	} catch {
		// Not problem+json: keep the status.
	}
	throw new PilotApiError(response.status, detail);
}

/** What a zone is made from: the body of POST /api/analysis/zone. */
export type ZoneBody =
	| Polygon
	| MultiPolygon
	| { type: 'Point' | 'LineString'; coordinates: Position | Position[]; buffer_m: number }
	| { communes: string[] }
	| { scope: string };

export async function postZone(body: ZoneBody, signal?: AbortSignal): Promise<ZoneAnswer> {
	return answer(await fetch('/api/analysis/zone', {
		method: 'POST',
		headers: { 'content-type': 'application/json', accept: 'application/geo+json' },
		body: JSON.stringify(body),
		signal
	}));
}

export async function savedZoneIndicators(id: number, signal?: AbortSignal): Promise<ZoneAnswer> {
	return answer(await fetch(`/api/analysis/zone?zone=${id}`, { signal }));
}

export interface PilotQuery {
	/** A commune's INSEE code (44109), or a scope (territory:12, epci:200083392). */
	commune: string;
	frontage_m: number;
	weights: Record<PilotPart, number>;
	limit: number;
}

export function pilotStreetsUrl(q: PilotQuery): string {
	const weights = PILOT_PARTS.map((p) => `${p}:${q.weights[p]}`).join(',');
	const where = q.commune.includes(':') ? `scope=${encodeURIComponent(q.commune)}` : `commune=${encodeURIComponent(q.commune)}`;
	return `/api/analysis/pilot-streets?${where}&frontage_m=${q.frontage_m}&limit=${q.limit}&weights=${weights}`;
}

export async function fetchPilotStreets(q: PilotQuery, signal?: AbortSignal): Promise<PilotStreets> {
	return answer(await fetch(pilotStreetsUrl(q), { signal }));
}

/** GET /api/analysis/pilot-definitions: what the analyses count, their defaults and bounds. */
export interface PilotDefinitions {
	active_shop_categories: string[];
	vacancy: { alert_rate: number; definition: LocalizedText };
	pilot_streets: { parts: PilotPart[]; default_weights: Record<PilotPart, number>; definition: LocalizedText };
}

export async function fetchDefinitions(): Promise<PilotDefinitions> {
	return answer(await fetch('/api/analysis/pilot-definitions'));
}

export interface Me {
	user: { id: number; role: string; displayName: string } | null;
	csrfToken: string;
}

export async function fetchMe(): Promise<Me> {
	return answer(await fetch('/api/auth/me', { credentials: 'same-origin' }));
}

/** Can this account save scenarios on the server? */
export const canSaveOnServer = (me: Me | null): boolean => me?.user?.role === 'planner' || me?.user?.role === 'admin';

/** A planner's custom territory (GET /api/territories): a scope for every analysis. */
export interface Territory {
	id: number;
	name: string;
	kind: 'communes' | 'drawn';
	scope: string;
	communes: number;
	population: number;
	area_km2: number;
	bbox: [number, number, number, number];
	mine: boolean;
}

export async function listTerritories(): Promise<Territory[]> {
	return (await answer<{ territories: Territory[] }>(await fetch('/api/territories'))).territories;
}

/** Saves a territory: communes (INSEE codes), EPCI (SIRENs), or a drawn polygon. Planners and admins only. */
export async function createTerritory(me: Me, body: { name: string; communes?: string[]; epci?: string[]; geometry?: Polygon | MultiPolygon }): Promise<Territory> {
	return answer(await fetch('/api/territories', {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
		body: JSON.stringify(body)
	}));
}

export async function deleteTerritory(me: Me, id: number): Promise<void> {
	await answer(await fetch(`/api/territories/${id}`, { method: 'DELETE', headers: { 'x-csrf-token': me.csrfToken } }));
}

/** A saved zone: on the server (`serverId`) or in this browser only. */
export interface Scenario {
	key: string;
	name: string;
	group: string | null;
	where: 'server' | 'browser';
	serverId?: number;
	/** How to compute it again: the body of POST /api/analysis/zone (browser scenarios). */
	body?: ZoneBody;
	geometry: MultiPolygon | Polygon;
	createdAt: string;
}

const STORAGE_KEY = 'maillage.pilot.scenarios';

function browserScenarios(): Scenario[] {
	try {
		const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as unknown;
		return Array.isArray(parsed) ? (parsed as Scenario[]) : [];
	} catch {
		return [];
	}
}

interface ServerZone {
	id: number;
	name: string;
	scenario: string | null;
	created_at: string;
	geometry: MultiPolygon;
}

/** Every scenario the reader can see: the server's (when signed in as a planner) and this browser's. */
export async function listScenarios(me: Me | null): Promise<Scenario[]> {
	const local = browserScenarios();
	if (!canSaveOnServer(me)) return local;
	const { zones } = await answer<{ zones: ServerZone[] }>(await fetch('/api/zones'));
	const server: Scenario[] = zones.map((z) => ({
		key: `server:${z.id}`, name: z.name, group: z.scenario, where: 'server', serverId: z.id, geometry: z.geometry, createdAt: z.created_at
	}));
	return [...server, ...local];
}

/** Saves a zone under a name: on the server for planners, else in this browser. */
export async function saveScenario(me: Me | null, name: string, group: string | null, body: ZoneBody, geometry: MultiPolygon | Polygon): Promise<Scenario> {
	if (canSaveOnServer(me)) {
		const z = await answer<ServerZone>(await fetch('/api/zones', {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-csrf-token': me!.csrfToken },
			body: JSON.stringify({ name, scenario: group, zone: body })
		}));
		return { key: `server:${z.id}`, name: z.name, group: z.scenario, where: 'server', serverId: z.id, geometry: z.geometry, createdAt: z.created_at };
	}
	const scenario: Scenario = {
		key: `browser:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
		name, group, where: 'browser', body, geometry, createdAt: new Date().toISOString()
	};
	localStorage.setItem(STORAGE_KEY, JSON.stringify([scenario, ...browserScenarios()]));
	return scenario;
}

export async function deleteScenario(me: Me | null, scenario: Scenario): Promise<void> {
	if (scenario.where === 'server') {
		await answer(await fetch(`/api/zones/${scenario.serverId}`, { method: 'DELETE', headers: { 'x-csrf-token': me?.csrfToken ?? '' } }));
		return;
	}
	localStorage.setItem(STORAGE_KEY, JSON.stringify(browserScenarios().filter((s) => s.key !== scenario.key)));
}

/** The indicators of a scenario, computed now. */
export function scenarioIndicators(scenario: Scenario, signal?: AbortSignal): Promise<ZoneAnswer> {
	if (scenario.where === 'server') return savedZoneIndicators(scenario.serverId!, signal);
	return postZone(scenario.body!, signal);
}

/** One row per indicator, one column per scenario: the dossier's CSV and the comparison table. */
export interface IndicatorRow {
	key: string;
	label: LocalizedText;
	values: (number | null)[];
	/** How to show it: a count, a share (0–1), km², metres. */
	unit: 'count' | 'share' | 'km2' | 'metres';
}

export function indicatorRows(answers: readonly ZoneIndicators[]): IndicatorRow[] {
	const row = (key: string, label: LocalizedText, unit: IndicatorRow['unit'], pick: (z: ZoneIndicators) => number | null): IndicatorRow => ({
		key, label, unit, values: answers.map(pick)
	});
	const first = answers[0];
	return [
		row('area_km2', { fr: 'Surface (km²)', en: 'Area (km²)' }, 'km2', (z) => z.area_km2),
		row('communes', { fr: 'Communes touchées', en: 'Municipalities touched' }, 'count', (z) => z.communes.length),
		row('population_estimate', { fr: 'Population estimée', en: 'Estimated population' }, 'count', (z) => z.population_estimate),
		row('active_shops', { fr: 'Commerces actifs', en: 'Active shops' }, 'count', (z) => z.active_shops),
		row('vacant_shops', { fr: 'Locaux vacants', en: 'Vacant premises' }, 'count', (z) => z.vacant_shops.vacant),
		row('vacancy_rate', { fr: 'Taux de vacance commerciale', en: 'Commercial vacancy rate' }, 'share', (z) => z.vacancy.rate),
		row('tiers_lieux', { fr: 'Tiers-lieux', en: 'Third places' }, 'count', (z) => z.tiers_lieux.count),
		row('programmes', { fr: 'Programmes (ACV, PVD, France services)', en: 'Programmes (ACV, PVD, France services)' }, 'count', (z) => z.programmes.count),
		row('projects', { fr: 'Projets', en: 'Projects' }, 'count', (z) => z.projects.count),
		...(first?.places ?? []).map((p) => row(`places_${p.category}`, p.label, 'count', (z) => z.places.find((q) => q.category === p.category)?.count ?? 0)),
		...(first?.nearest ?? []).map((n) => row(`nearest_${n.kind}_m`, { fr: `${n.label.fr} le plus proche (m)`, en: `Nearest ${n.label.en.toLowerCase()} (m)` }, 'metres',
			(z) => z.nearest.find((q) => q.kind === n.kind)?.metres ?? null))
	];
}

const csvCell = (v: string | number | null): string => {
	if (v === null) return '';
	const s = String(v);
	return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * The indicators as CSV (RFC 4180): one row per indicator, one column per scenario.
 *
 * @example
 * indicatorsCsv(['Centre'], [answer.properties], 'fr'); // 'indicateur,libellé,Centre\r\narea_km2,Surface (km²),0.44\r\n…'
 */
export function indicatorsCsv(names: readonly string[], answers: readonly ZoneIndicators[], locale: 'fr' | 'en'): string {
	const header = ['indicator', locale === 'fr' ? 'libellé' : 'label', ...names];
	const lines = [header, ...indicatorRows(answers).map((r) => [r.key, r.label[locale], ...r.values.map((v) => (v === null ? null : Math.round(v * 10_000) / 10_000))])];
	return lines.map((l) => l.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The credits of several answers, each named once. */
export function joinAttributions(answers: readonly { attribution: string }[]): string {
	return [...new Set(answers.flatMap((a) => a.attribution.split(' ; ')))].join(' ; ');
}

/** The zones as one GeoJSON FeatureCollection, each with its name and headline indicators, licence included. */
export function dossierGeoJson(names: readonly string[], answers: readonly ZoneAnswer[]): FeatureCollection & { licence: string; attribution: string } {
	return {
		type: 'FeatureCollection',
		licence: answers.some((a) => a.licence.startsWith('ODbL')) ? 'ODbL 1.0' : (answers[0]?.licence ?? 'Licence Ouverte 2.0'),
		attribution: joinAttributions(answers),
		features: answers.map((a, i) => ({
			type: 'Feature',
			geometry: a.geometry,
			properties: {
				name: names[i], area_km2: a.properties.area_km2, population_estimate: a.properties.population_estimate,
				active_shops: a.properties.active_shops, vacant_shops: a.properties.vacant_shops.vacant, vacancy_rate: a.properties.vacancy.rate,
				tiers_lieux: a.properties.tiers_lieux.count, communes: a.properties.communes.map((c) => c.code)
			}
		}))
	};
}

/** Offers a text as a download. */
export function download(name: string, type: string, text: string): void {
	const url = URL.createObjectURL(new Blob([text], { type }));
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	a.click();
	setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * SVG paths of polygons fitted in a `width` × `height` frame (equirectangular, longitudes
 * shrunk by the cosine of the middle latitude, so shapes keep their proportions): the
 * dossier's map image, which prints sharp and needs no WebGL.
 */
export function svgPaths(geometries: readonly (Polygon | MultiPolygon)[], width: number, height: number, margin = 8): string[] {
	const rings = (g: Polygon | MultiPolygon): Position[][] => (g.type === 'Polygon' ? g.coordinates : g.coordinates.flat());
	const all = geometries.flatMap((g) => rings(g).flat());
	if (all.length === 0) return geometries.map(() => '');
	const xs = all.map((p) => p[0]!);
	const ys = all.map((p) => p[1]!);
	const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
	const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
	const scale = Math.min((width - 2 * margin) / Math.max((maxX - minX) * k, 1e-9), (height - 2 * margin) / Math.max(maxY - minY, 1e-9));
	const ox = (width - (maxX - minX) * k * scale) / 2;
	const oy = (height - (maxY - minY) * scale) / 2;
	const pt = (p: Position) => `${(ox + (p[0]! - minX) * k * scale).toFixed(1)},${(oy + (maxY - p[1]!) * scale).toFixed(1)}`;
	return geometries.map((g) => rings(g).map((r) => `M${r.map(pt).join('L')}Z`).join(''));
}

/** Distinct colours for up to four compared zones (contrast ≥ 3:1 on white). */
export const SCENARIO_COLOURS = ['#17415f', '#b3261e', '#1f7a3a', '#8a5a00'] as const;
