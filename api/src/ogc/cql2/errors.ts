// The one error every stage of the CQL2 filter raises: what went wrong, where (a 0-based index
// into the filter text), in French and in English, so the route can answer a 400 that points
// at the character.

/** What kind of mistake it is; stable, for clients and tests (the messages may be reworded). */
export type Cql2ErrorCode =
  | 'empty'
  | 'too-long'
  | 'too-deep'
  | 'too-many-items'
  | 'unexpected-character'
  | 'unterminated-string'
  | 'unexpected-token'
  | 'invalid-literal'
  | 'invalid-wkt'
  | 'unknown-property'
  | 'type-mismatch'
  | 'unsupported';

/** Limits that keep a filter cheap to parse and to plan. */
export const CQL2_LIMITS = {
  /** Characters in the filter text. */
  maxLength: 4_000,
  /** Nested parentheses and NOT, counted together. */
  maxDepth: 32,
  /** Items in one IN (…) list. */
  maxInItems: 1_000,
} as const;

export class Cql2Error extends Error {
  readonly code: Cql2ErrorCode;
  /** 0-based index in the filter text (UTF-16 code units, as JavaScript counts). */
  readonly position: number;
  /** The message in French, starting with the position. */
  readonly fr: string;
  /** The same message in English. */
  readonly en: string;

  constructor(code: Cql2ErrorCode, position: number, fr: string, en: string) {
    const where = { fr: `Filtre CQL2, position ${position} : ${fr}`, en: `CQL2 filter, position ${position}: ${en}` };
    super(where.en);
    this.name = 'Cql2Error';
    this.code = code;
    this.position = position;
    this.fr = where.fr;
    this.en = where.en;
  }
}
