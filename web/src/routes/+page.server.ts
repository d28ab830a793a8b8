// The explorer's registry and categories, read on the server (see lib/explorer/load.server.ts).
import { loadExplorer } from '#lib/explorer/load.server.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) => loadExplorer(event);
