// What a contribution may contain, per kind: closed objects (additionalProperties false),
// bounded strings and arrays. Texts are plain text: the web shows them as text, never as HTML.
import { type Static, Type } from 'typebox';
import { KINDS, NEED_CATEGORIES, STAGES, THEMES, VACANT_STATUSES } from './vocabulary.ts';

const Enum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
const Text = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description ? { description } : {}) });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const LonLat = Type.Tuple([
  Type.Number({ minimum: -180, maximum: 180 }),
  Type.Number({ minimum: -90, maximum: 90 }),
], { description: 'lon, lat (WGS 84)' });

const Consent = Type.Literal(true, {
  description: 'Accord pour publier sous la licence de la couche (ODbL 1.0 ou Licence Ouverte 2.0) / consent to publish under the layer’s licence',
});
const CommuneCode = Type.String({ pattern: '^[0-9][0-9AB][0-9]{3}$' });

export const PlaceProposal = Type.Object({
  kind: Type.Literal('place'),
  licenceConsent: Consent,
  location: LonLat,
  category: Type.String({ minLength: 1, maxLength: 40, description: 'Code de /api/place-categories' }),
  name: Type.String({ minLength: 1, maxLength: 120 }),
  note: Type.Optional(Text(1000, 'Précisions pour la modération / notes for moderators')),
}, { additionalProperties: false });

export const VacantShopReport = Type.Object({
  kind: Type.Literal('vacant_shop'),
  licenceConsent: Consent,
  location: LonLat,
  status: Enum(VACANT_STATUSES.map((s) => s.code)),
  /** An existing vacant shop whose status changes (reoccupied, in project); absent: a new one. */
  targetId: Type.Optional(Type.Integer({ minimum: 1 })),
  address: Type.Optional(Text(200)),
  formerActivity: Type.Optional(Text(120)),
  surfaceM2: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000 })),
  vacantSince: Type.Optional(Type.String({ format: 'date' })),
  note: Type.Optional(Text(1000)),
}, { additionalProperties: false });

export const ProjectProposal = Type.Object({
  kind: Type.Literal('project'),
  licenceConsent: Consent,
  location: LonLat,
  title: Type.String({ minLength: 3, maxLength: 160 }),
  themes: Type.Array(Enum(THEMES.map((x) => x.code)), { minItems: 1, maxItems: THEMES.length, uniqueItems: true }),
  stage: Enum(STAGES.map((s) => s.code)),
  leadOrganisation: Type.Optional(Text(160)),
  communeCodes: Type.Array(CommuneCode, { maxItems: 50, uniqueItems: true }),
  context: Text(4000),
  expectedResults: Text(4000),
  nextStep: Type.Optional(Text(1000)),
}, { additionalProperties: false });

export const NeedExpression = Type.Object({
  kind: Type.Literal('need'),
  licenceConsent: Consent,
  location: LonLat,
  category: Enum(NEED_CATEGORIES.map((c) => c.code)),
  comment: Text(1000),
}, { additionalProperties: false });

const CorrectionValue = Type.Union([
  Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean(), Type.Null(),
  Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 }),
]);

export const CorrectionSuggestion = Type.Object({
  kind: Type.Literal('correction'),
  licenceConsent: Consent,
  layer: Type.String({ minLength: 1, maxLength: 40 }),
  featureId: Type.String({ minLength: 1, maxLength: 40 }),
  /** New values of the layer's properties (see the layer's queryables); null clears one. */
  changes: Type.Record(Type.String({ pattern: '^[a-z_]{1,40}$' }), CorrectionValue, { maxProperties: 20 }),
  /** A new position, for point layers. */
  location: Type.Optional(LonLat),
  comment: Type.String({ minLength: 3, maxLength: 1000, description: 'Ce qui est faux / what is wrong' }),
}, { additionalProperties: false });

const KINDS_SCHEMAS = [PlaceProposal, VacantShopReport, ProjectProposal, NeedExpression, CorrectionSuggestion] as const;
export type ContributionInput = Static<(typeof KINDS_SCHEMAS)[number]>;
/** One of the five shapes, chosen by `kind` (an OpenAPI/Ajv discriminator, so errors name the right fields). */
export const ContributionBody = Type.Unsafe<ContributionInput>({
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [...KINDS_SCHEMAS],
});
export type CorrectionInput = Static<typeof CorrectionSuggestion>;

export const KindSchema = Enum(KINDS);
export const StatusSchema = Enum(['pending', 'approved', 'rejected', 'merged'] as const);

export const SimilarFeature = Type.Object({
  layer: Type.String(),
  id: Type.String(),
  label: Nullable(Type.String()),
  category: Nullable(Type.String()),
  metres: Type.Number(),
});

export const ContributionView = Type.Object({
  id: Type.Integer(),
  kind: KindSchema,
  status: StatusSchema,
  /** The layer it writes to, and the feature it created, changed or was merged into. */
  layer: Type.String(),
  featureId: Nullable(Type.String()),
  targetId: Nullable(Type.String()),
  title: Type.String({ description: 'A short summary: the name, title or category' }),
  payload: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true }),
  location: Nullable(LonLat),
  licence: Type.String(),
  reason: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  decidedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type ContributionViewT = Static<typeof ContributionView>;

export const SubmitAnswer = Type.Object({
  contribution: ContributionView,
  /** Features of the same layer (and category) within 50 m: maybe the same thing. */
  similar: Type.Array(SimilarFeature),
  /** true when an earlier request with the same Idempotency-Key made it. */
  replayed: Type.Boolean(),
});
