/**
 * The reader's account in the browser, and the one way the pages write to the API.
 *
 * `auth` is filled by `auth.refresh()` from GET /api/auth/me, in the browser only (onMount):
 * the server never fills it, so no reader's session can show in another reader's page. Every
 * write goes through `apiWrite`, which sends the CSRF token the API requires (header
 * `x-csrf-token`) and turns a problem+json answer into a message in the reader's language.
 */
import type { Locale } from './i18n.ts';

export type Role = 'citizen' | 'moderator' | 'planner' | 'admin';

export interface Account {
	id: number;
	role: Role;
	displayName: string;
	email: string;
}

class AuthState {
	/** undefined until the first answer of /api/auth/me; null when signed out. */
	user = $state<Account | null | undefined>(undefined);
	csrfToken = $state('');
	#pending: Promise<void> | undefined;

	get known(): boolean {
		return this.user !== undefined;
	}

	get canModerate(): boolean {
		return this.user?.role === 'moderator' || this.user?.role === 'admin';
	}

	/** Reads the session once (later calls share the answer); `force` reads it again. */
	refresh(force = false): Promise<void> {
		if (this.#pending && !force) return this.#pending;
		this.#pending = (async () => {
			const response = await fetch('/api/auth/me', { headers: { accept: 'application/json' } });
			if (!response.ok) throw new Error(`GET /api/auth/me: HTTP ${response.status}`);
			const body = (await response.json()) as { user: Account | null; csrfToken: string };
			this.user = body.user;
			this.csrfToken = body.csrfToken;
		})();
		this.#pending.catch(() => (this.#pending = undefined));
		return this.#pending;
	}

	/** After sign-in, sign-up or sign-out: the answer carries the new state. */
	set(user: Account | null, csrfToken: string): void {
		this.user = user;
		this.csrfToken = csrfToken;
		this.#pending = Promise.resolve();
	}
}

export const auth = new AuthState();

/** A refusal of the API, with its message in both languages (RFC 9457 problem+json). */
export class ApiProblem extends Error {
	constructor(
		readonly status: number,
		readonly detail: { fr: string; en: string },
		readonly body: Record<string, unknown> = {}
	) {
		super(detail.en);
		this.name = 'ApiProblem';
	}

	/** The message in the reader's language. */
	text(locale: Locale): string {
		return locale === 'fr' ? this.detail.fr : this.detail.en;
	}
}

async function problemOf(response: Response): Promise<ApiProblem> {
	let body: Record<string, unknown> = {};
	try {
		body = (await response.json()) as Record<string, unknown>;
	} catch {
		// Not JSON: a proxy's page, say. The status still tells something.
	}
	const fr = typeof body.detail === 'string' ? body.detail : `Erreur ${response.status}.`;
	const en = typeof body.detail_en === 'string' ? body.detail_en : `Error ${response.status}.`;
	return new ApiProblem(response.status, { fr, en }, body);
}

/**
 * GET as JSON with the reader's session (their contributions, the moderation queue…).
 *
 * @example
 * const mine = await apiRead<{ contributions: unknown[] }>('/api/contributions/mine');
 */
export async function apiRead<T>(url: string): Promise<T> {
	const response = await fetch(url, { headers: { accept: 'application/json' } });
	if (!response.ok) throw await problemOf(response);
	return (await response.json()) as T;
}

/**
 * POST, PUT or DELETE with the CSRF token. A 403 that says the token is stale (another tab
 * signed in or out) reads the session again and retries once.
 *
 * @example
 * await apiWrite('POST', '/api/projects/3/comments', { body: 'Bravo' });
 */
export async function apiWrite<T>(
	method: 'POST' | 'PUT' | 'DELETE',
	url: string,
	body?: unknown,
	headers: Record<string, string> = {}
): Promise<{ status: number; body: T; headers: Headers }> {
	if (!auth.csrfToken) await auth.refresh();
	const send = () =>
		fetch(url, {
			method,
			headers: {
				accept: 'application/json',
				'x-csrf-token': auth.csrfToken,
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...headers
			},
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	let response = await send();
	if (response.status === 403) {
		const problem = await problemOf(response.clone());
		if (/CSRF/.test(problem.detail.en)) {
			await auth.refresh(true);
			response = await send();
		}
	}
	if (!response.ok) throw await problemOf(response);
	const text = response.status === 204 ? '' : await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

/**
 * What to tell the reader when a request failed: the API's own message in their language, or
 * that the server could not be reached.
 */
export function failureText(error: unknown, locale: { current: Locale; t(key: 'participation.error.network'): string }): string {
	return error instanceof ApiProblem ? error.text(locale.current) : locale.t('participation.error.network');
}
