// A project's page, read on the server from /api/projects/:id (public data); the reader's own
// state (support, rights) is read again in the browser, with their session.
import { error } from '@sveltejs/kit';
import { ApiError } from '#lib/api.ts';
import { apiFetch, getJson, loadFailure } from '#lib/components/catalog/load.server.ts';
import type { LoadFailure } from '#lib/components/catalog/catalog.ts';
import type { ProjectPage } from '#lib/components/participation/participation.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { id } = event.params;
	if (!/^[1-9][0-9]{0,15}$/.test(id)) error(404, 'Not found');
	const path = `/api/projects/${id}`;
	try {
		return { project: (await getJson(apiFetch(event), path)) as ProjectPage, failure: null };
	} catch (cause) {
		if (cause instanceof ApiError && cause.status === 404) error(404, 'Not found');
		console.error(`/projets/${id}: ${cause instanceof Error ? cause.message : String(cause)}`);
		return { project: null, failure: loadFailure(cause, path) as LoadFailure };
	}
};
