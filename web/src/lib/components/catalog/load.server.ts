/**
 * Server-side requests of the open-data pages to the API.
 *
 * The API and the pages share one origin, but SvelteKit's own `fetch` answers a
 * same-origin request itself, and SvelteKit has no /api route: its 404 would come back.
 * So the pages' loads ask the API over the socket the reader's request came in on
 * (adapter-node passes the Node request as `platform.req`), which reaches the Fastify
 * server whatever public address or proxy stands in front of it.
 */
import type { RequestEvent } from '@sveltejs/kit';
import type { TLSSocket } from 'node:tls';
import { ApiError } from '../../api.ts';
import type { LoadFailure } from './catalog.ts';

/** Beyond this, a page tells the reader the API is not answering rather than hang. */
const TIMEOUT_MS = 15_000;

function apiOrigin(event: RequestEvent): string {
	const socket = event.platform?.req?.socket;
	if (socket?.localAddress && socket.localPort) {
		const host = socket.localAddress.includes(':') ? `[${socket.localAddress}]` : socket.localAddress;
		const protocol = (socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
		return `${protocol}://${host}:${socket.localPort}`;
	}
	// `vite dev` has no Node request: the API is then expected on the page's own origin.
	return event.url.origin;
}

/**
 * A `fetch` for `/api/…` paths from a server load.
 *
 * @example
 * const api = apiFetch(event);
 * await getJson(api, '/api/catalog');
 */
export function apiFetch(event: RequestEvent): typeof fetch {
	const origin = apiOrigin(event);
	return (input, init) => {
		const path = input instanceof Request ? input.url : String(input);
		return globalThis.fetch(new URL(path, origin), {
			...init,
			signal: init?.signal ?? AbortSignal.timeout(TIMEOUT_MS)
		});
	};
}

/** GETs a JSON document, with the same failures as the home map's client (ApiError). */
export async function getJson(api: typeof fetch, path: string): Promise<unknown> {
	let response: Response;
	try {
		response = await api(path, { headers: { accept: 'application/json, application/ld+json' } });
	} catch (cause) {
		throw new ApiError(path, 'network', null, { cause });
	}
	if (!response.ok) throw new ApiError(path, 'http', response.status);
	try {
		return await response.json();
	} catch (cause) {
		throw new ApiError(path, 'shape', response.status, { cause });
	}
}

export function loadFailure(error: unknown, path: string): LoadFailure {
	if (error instanceof ApiError) return { kind: error.kind, status: error.status, url: error.url };
	return { kind: 'network', status: null, url: path };
}
