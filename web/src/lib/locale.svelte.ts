import { getContext, setContext } from 'svelte';
import {
	defaultLocale,
	formatInteger,
	isLocale,
	localized,
	translate,
	type LocalizedText,
	type Locale,
	type MessageKey
} from './i18n.ts';

const STORAGE_KEY = 'maillage.locale';
const CONTEXT_KEY = Symbol('maillage.locale');

/**
 * The language chosen by the reader. It lives in a context rather than in a
 * module-level `$state` because the server renders many requests with the same
 * modules: module state would leak one reader's choice into another's page.
 */
export class LocaleState {
	current = $state<Locale>(defaultLocale);

	t = (key: MessageKey, params?: Record<string, string | number>): string =>
		translate(this.current, key, params);

	label = (text: LocalizedText): string => localized(text, this.current);

	integer = (value: number): string => formatInteger(value, this.current);

	/** Reads the stored choice; call it from the browser only (onMount). */
	restore(): void {
		const stored = storage()?.getItem(STORAGE_KEY) ?? null;
		if (isLocale(stored)) this.set(stored);
		else document.documentElement.lang = this.current;
	}

	set(locale: Locale): void {
		this.current = locale;
		document.documentElement.lang = locale;
		try {
			storage()?.setItem(STORAGE_KEY, locale);
		} catch {
			// Storage full or refused: the choice lasts for this page only.
		}
	}
}

/**
 * The browser's localStorage, or undefined where it is refused: reading the property throws
 * in a cross-site iframe with third-party storage blocked (the embed mode on a partner site).
 */
function storage(): Storage | undefined {
	try {
		return localStorage;
	} catch {
		return undefined;
	}
}

export function setLocaleContext(state: LocaleState): LocaleState {
	return setContext(CONTEXT_KEY, state);
}

export function getLocale(): LocaleState {
	const state = getContext<LocaleState | undefined>(CONTEXT_KEY);
	if (!state) throw new Error('getLocale() needs setLocaleContext() in a parent layout');
	return state;
}
