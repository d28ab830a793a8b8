/**
 * Where to go after signing in: the `suite` parameter when it is a path of this portal, never
 * another site (an open redirect would let a link send a fresh session's owner anywhere).
 *
 * @example
 * nextPath(new URL('https://x/connexion?suite=/contribuer')); // '/contribuer'
 * nextPath(new URL('https://x/connexion?suite=//evil.example')); // '/compte'
 */
export function nextPath(url: Pick<URL, 'searchParams'> | { searchParams: { get(name: string): string | null } }, fallback = '/compte'): string {
	const next = url.searchParams.get('suite');
	return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}

/** The sign-in page, coming back here afterwards. */
export function signInHref(url: { pathname: string; search: string }): string {
	return `/connexion?suite=${encodeURIComponent(url.pathname + url.search)}`;
}
