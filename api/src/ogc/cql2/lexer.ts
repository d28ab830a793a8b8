// CQL2 text → tokens, each with its position in the text. Keywords are not decided here: a bare
// identifier is a keyword only where the parser expects one, so a property may be called `date`.
import { CQL2_LIMITS, Cql2Error } from './errors.ts';

export type TokenKind = 'identifier' | 'quoted-identifier' | 'string' | 'number' | 'operator' | '(' | ')' | ',' | 'end';

export interface Token {
  kind: TokenKind;
  /** Identifier as written, decoded string value, operator, number as written. */
  text: string;
  /** Start and end (exclusive) in the filter text. */
  start: number;
  end: number;
}

const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
// CQL2's identifierStart / identifierPart, with Unicode letters standing for its code-point ranges.
const IDENTIFIER = /[\p{L}_:][\p{L}\p{M}\p{N}_:.]*/uy;
const OPERATOR = /<>|<=|>=|=|<|>/y;

function match(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

/**
 * Splits a filter into tokens; the last one is always `end`. Refuses texts over the length limit.
 *
 * @example
 * tokenize("name = 'l''épi'").map((t) => [t.kind, t.text, t.start]);
 * // [['identifier', 'name', 0], ['operator', '=', 5], ['string', "l'épi", 7], ['end', '', 15]]
 */
export function tokenize(text: string): Token[] {
  if (text.length > CQL2_LIMITS.maxLength) {
    throw new Cql2Error('too-long', CQL2_LIMITS.maxLength,
      `le filtre dépasse ${CQL2_LIMITS.maxLength} caractères (${text.length}).`,
      `the filter is longer than ${CQL2_LIMITS.maxLength} characters (${text.length}).`);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, start, end: ++i });
    } else if (c === "'") {
      // CQL2 escapes a quote inside a string as '' or \'.
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new Cql2Error('unterminated-string', start, 'chaîne non terminée : il manque l’apostrophe fermante.',
            'unterminated string: the closing quote is missing.');
        }
        const d = text[i]!;
        if (d === "'" && text[i + 1] === "'") { value += "'"; i += 2; }
        else if (d === '\\' && text[i + 1] === "'") { value += "'"; i += 2; }
        else if (d === "'") { i++; break; }
        else { value += d; i++; }
      }
      tokens.push({ kind: 'string', text: value, start, end: i });
    } else if (c === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) {
        throw new Cql2Error('unterminated-string', start, 'nom de propriété entre guillemets non terminé.',
          'unterminated quoted property name.');
      }
      tokens.push({ kind: 'quoted-identifier', text: text.slice(i + 1, close), start, end: close + 1 });
      i = close + 1;
    } else {
      const word = match(NUMBER, text, i) ?? match(IDENTIFIER, text, i);
      const operator = word === undefined ? match(OPERATOR, text, i) : undefined;
      if (word !== undefined) {
        i += word.length;
        tokens.push({ kind: /^[\p{L}_:]/u.test(word) ? 'identifier' : 'number', text: word, start, end: i });
      } else if (operator !== undefined) {
        i += operator.length;
        tokens.push({ kind: 'operator', text: operator, start, end: i });
      } else {
        const hint = c === '!' ? { fr: ' (« différent de » s’écrit <>)', en: ' (“not equal” is written <>)' } : { fr: '', en: '' };
        throw new Cql2Error('unexpected-character', start, `caractère inattendu « ${c} »${hint.fr}.`, `unexpected character "${c}"${hint.en}.`);
      }
    }
  }
  tokens.push({ kind: 'end', text: '', start: text.length, end: text.length });
  return tokens;
}
