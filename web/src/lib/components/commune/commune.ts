/**
 * The commune page's data, as GET /api/communes/:code serves it (api/src/routes/communes.ts),
 * and the few pure helpers its components share.
 */
import { formatDecimal, type Locale, type LocalizedText } from '../../i18n.ts';

export type FacilityKind = 'cafe_bar' | 'grocery' | 'bakery' | 'tiers_lieu' | 'france_services';
export const FACILITY_KINDS: readonly FacilityKind[] = ['cafe_bar', 'grocery', 'bakery', 'tiers_lieu', 'france_services'];

export interface CommunePage {
	code: string;
	name: string;
	population: number | null;
	postal_codes: string[];
	epci: { siren: string; name: string } | null;
	departement: { code: string; name: string | null };
	region: { code: string; name: string | null } | null;
	area_km2: number | null;
	point: [number, number] | null;
	bbox: [number, number, number, number] | null;
	places: { category: string; family: string; label: LocalizedText; color: string; count: number }[];
	tiers_lieux: number;
	vacant_shops: { vacant: number; reoccupied: number; in_project: number };
	programmes: { id: string; programme: string; name: string }[];
	projects: { published: number };
	nearest: {
		kind: FacilityKind;
		metres: number;
		id: string;
		name: string | null;
		commune: { code: string; name: string | null } | null;
		point: [number, number];
	}[];
	sources: { key: string; title: string; licence: string; licence_url: string | null; attribution: string; url: string | null }[];
	downloads: { commune: string; layers: Record<string, Record<string, string>> };
}

/** The response, checked just enough to fail with a clear message instead of a broken page. */
export function communePage(body: unknown): CommunePage | null {
	if (typeof body !== 'object' || body === null) return null;
	const b = body as Partial<CommunePage>;
	const ok = typeof b.code === 'string' && typeof b.name === 'string' && Array.isArray(b.places)
		&& Array.isArray(b.nearest) && Array.isArray(b.sources) && Array.isArray(b.programmes)
		&& typeof b.downloads === 'object' && typeof b.vacant_shops === 'object';
	return ok ? (b as CommunePage) : null;
}

/**
 * A distance for people: metres to the ten below 1 km, then kilometres with one decimal
 * below 10 km.
 *
 * @example
 * formatDistance(1234, 'fr'); // → '1,2 km'
 * formatDistance(847, 'en');  // → '850 m'
 */
export function formatDistance(metres: number, locale: Locale): string {
	if (metres < 995) return `${formatDecimal(Math.round(metres / 10) * 10, locale, 0)} m`;
	return `${formatDecimal(metres / 1000, locale, metres < 9950 ? 1 : 0)} km`;
}
