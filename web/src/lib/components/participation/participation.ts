/**
 * Shapes of the participation API as the pages read them (/api/contributions, /api/moderation,
 * /api/projects, /api/auth/notifications), and small formatting helpers.
 */
import type { Locale, LocalizedText } from '../../i18n.ts';

export interface Code {
	code: string;
	label: LocalizedText;
}

export interface Vocabulary {
	placeCategories: Code[];
	needCategories: Code[];
	themes: Code[];
	stages: Code[];
	vacantStatuses: Code[];
	layers: {
		id: string;
		title: LocalizedText;
		geometry: string;
		licence: string;
		editable: { name: string; type: string; title: LocalizedText }[];
	}[];
}

export type ContributionKind = 'place' | 'vacant_shop' | 'project' | 'need' | 'correction';
export type ContributionStatus = 'pending' | 'approved' | 'rejected' | 'merged';

export interface Similar {
	layer: string;
	id: string;
	label: string | null;
	category: string | null;
	metres: number;
}

export interface Contribution {
	id: number;
	kind: ContributionKind;
	status: ContributionStatus;
	layer: string;
	featureId: string | null;
	targetId: string | null;
	title: string;
	payload: Record<string, unknown>;
	location: [number, number] | null;
	licence: string;
	reason: string | null;
	createdAt: string;
	decidedAt: string | null;
}

export interface QueueItem extends Contribution {
	author: { displayName: string; role: string };
	moderator: string | null;
	commune: { code: string; name: string } | null;
	similar: Similar[];
	target: { properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } | null } | null;
}

export interface Notification {
	id: number;
	kind: 'contribution_approved' | 'contribution_rejected' | 'contribution_merged' | 'project_comment' | 'project_stage';
	contributionId: number | null;
	projectId: number | null;
	data: Record<string, unknown>;
	createdAt: string;
	read: boolean;
}

export interface ProjectSummary {
	id: number;
	title: string;
	themes: Code[];
	stage: Code;
	leadOrganisation: string | null;
	communes: { code: string; name: string }[];
	location: [number, number];
	supports: number;
	comments: number;
	createdAt: string;
	updatedAt: string;
}

export interface ProjectPage extends ProjectSummary {
	context: string | null;
	expectedResults: string | null;
	results: string | null;
	nextStep: string | null;
	licence: string;
	source: string;
	stages: (Code & { at: string })[];
	commentList: { id: number; body: string; author: string; createdAt: string }[];
	viewer: { supports: boolean; canChangeStage: boolean; canModerate: boolean } | null;
	history: string;
}

/**
 * A date and time as people read it here.
 *
 * @example
 * formatDateTime('2026-11-22T09:30:00Z', 'fr'); // '22 nov. 2026, 10:30'
 */
export function formatDateTime(iso: string, locale: Locale): string {
	return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(new Date(iso));
}

export function formatDate(iso: string, locale: Locale): string {
	return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeZone: 'Europe/Paris' }).format(new Date(iso));
}

/** A label from a list of codes, or the code itself when the list does not know it. */
export function labelOf(list: readonly Code[] | undefined, code: unknown, locale: Locale): string {
	const found = list?.find((c) => c.code === code);
	return found ? found.label[locale] : String(code ?? '');
}

/** A new Idempotency-Key: one per form, so that a retried submission of it is recognised. */
export function newIdempotencyKey(): string {
	return crypto.randomUUID();
}

/**
 * What a contribution is about, in the reader's language: a need says what is missing, the
 * others their name or title as given.
 */
export function contributionTitle(c: Pick<Contribution, 'kind' | 'title' | 'payload'>, vocabulary: Vocabulary | null, locale: Locale): string {
	if (c.kind === 'need') return labelOf(vocabulary?.needCategories, c.payload.category, locale);
	if (c.kind === 'vacant_shop' && !c.payload.address && !c.payload.formerActivity) return labelOf(vocabulary?.vacantStatuses, c.payload.status, locale);
	return c.title;
}
