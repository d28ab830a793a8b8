// The embeddable map reads what the home page reads (see lib/explorer/load.server.ts).
import { loadExplorer } from '#lib/explorer/load.server.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) => loadExplorer(event);
