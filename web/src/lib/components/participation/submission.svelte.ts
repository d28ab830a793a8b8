import { apiWrite, failureText } from '../../auth.svelte.ts';
import { newIdempotencyKey } from './participation.ts';

/**
 * The sending state of a contribution form (a proposal or a correction): `busy` while the
 * request runs, `error` for what went wrong (the form's own checks write it too), and one
 * Idempotency-Key per proposal, so that a double click or a retry after a network error never
 * sends it twice; a new key once the server has it.
 */
export class ContributionSubmission {
	busy = $state(false);
	error = $state('');
	#key = newIdempotencyKey();
	readonly #locale: Parameters<typeof failureText>[1];

	constructor(locale: Parameters<typeof failureText>[1]) {
		this.#locale = locale;
	}

	/** POSTs the contribution; the server's answer, or null with `error` set. */
	async send<T>(body: unknown): Promise<T | null> {
		this.busy = true;
		this.error = '';
		try {
			const r = await apiWrite<T>('POST', '/api/contributions', body, { 'idempotency-key': this.#key });
			this.#key = newIdempotencyKey();
			return r.body;
		} catch (e) {
			this.error = failureText(e, this.#locale);
			return null;
		} finally {
			this.busy = false;
		}
	}
}
