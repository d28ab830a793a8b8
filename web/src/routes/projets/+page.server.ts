// The list of projects, read on the server from /api/projects with the filters of the URL
// (theme, stage, commune, q), so that it reads and filters without JavaScript.
import { ApiError } from '#lib/api.ts';
import { apiFetch, getJson, loadFailure } from '#lib/components/catalog/load.server.ts';
import type { LoadFailure } from '#lib/components/catalog/catalog.ts';
import type { ProjectSummary, Vocabulary } from '#lib/components/participation/participation.ts';
import type { PageServerLoad } from './$types';

const FILTERS = ['theme', 'stage', 'commune', 'q'] as const;

export const load: PageServerLoad = async (event) => {
	const filters = Object.fromEntries(FILTERS.map((f) => [f, event.url.searchParams.get(f)?.trim() ?? ''])) as Record<(typeof FILTERS)[number], string>;
	const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
	query.set('limit', '200');
	const path = `/api/projects?${query}`;
	const api = apiFetch(event);
	try {
		const [list, vocabulary] = await Promise.all([getJson(api, path), getJson(api, '/api/contributions/vocabulary')]);
		return { filters, ...(list as { total: number; projects: ProjectSummary[] }), vocabulary: vocabulary as Vocabulary, failure: null, invalid: false };
	} catch (cause) {
		// A filter the API refuses (an unknown theme, a malformed code) is the reader's, not a failure.
		const invalid = cause instanceof ApiError && cause.status === 400;
		if (!invalid) console.error(`/projets: ${cause instanceof Error ? cause.message : String(cause)}`);
		const failure: LoadFailure | null = invalid ? null : loadFailure(cause, path);
		return { filters, total: 0, projects: [] as ProjectSummary[], vocabulary: null, failure, invalid };
	}
};
