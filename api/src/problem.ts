// RFC 9457 problem details, with a French and an English message. Every error leaves the API
// in this shape; a 5xx never carries internals.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The same explanation in English (French is the portal's first language). */
  detail_en: string;
  instance?: string;
  [extension: string]: unknown;
}

export class HttpProblem extends Error {
  readonly status: number;
  readonly fr: string;
  readonly en: string;
  readonly extra: Record<string, unknown>;
  constructor(status: number, fr: string, en: string, extra: Record<string, unknown> = {}) {
    super(en);
    this.status = status;
    this.fr = fr;
    this.en = en;
    this.extra = extra;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content', 405: 'Method Not Allowed', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, fr: string, en: string, extra: Record<string, unknown> = {}): FastifyReply {
  const body: Problem = {
    type: `https://maillage.example/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: fr,
    detail_en: en,
    instance: request.url,
    ...extra,
  };
  return reply.code(status).type('application/problem+json; charset=utf-8').send(body);
}

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, restart,
// cannot connect now), and the socket errors of a server that is down or restarting.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03']);

/** True when the error says the database cannot be reached now, not that the request is wrong. */
export function databaseUnavailable(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string'
    && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}

/** Fastify's validation messages, said in French too. */
function validationMessage(error: FastifyError): { fr: string; en: string } {
  const first = error.validation?.[0];
  const where = error.validationContext ?? 'request';
  const path = first?.instancePath?.replace(/^\//, '') || (first?.params as { missingProperty?: string } | undefined)?.missingProperty || '';
  const en = `${where}${path ? ` ${path}` : ''}: ${first?.message ?? error.message}`;
  const lieu = where === 'querystring' ? 'paramètre' : where === 'body' ? 'corps de la requête' : where === 'params' ? 'chemin' : where;
  return { fr: `${lieu}${path ? ` « ${path} »` : ''} invalide : ${first?.message ?? error.message}`, en };
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HttpProblem) return sendProblem(reply, request, error.status, error.fr, error.en, error.extra);
  if (error.validation) {
    const { fr, en } = validationMessage(error);
    return sendProblem(reply, request, 400, fr, en);
  }
  // PostgreSQL refuses NUL and byte sequences that are not UTF-8 in text: that is the input.
  const sqlState = (error as { code?: unknown }).code;
  if (sqlState === '22021' || sqlState === '22P05') {
    return sendProblem(reply, request, 400, 'Un texte de la requête contient un caractère interdit (octet nul U+0000 ou UTF-8 invalide) ; retirez-le.',
      'A text in the request holds a forbidden character (NUL byte U+0000 or invalid UTF-8); remove it.');
  }
  if (databaseUnavailable(error)) {
    void reply.header('retry-after', '5');
    return sendProblem(reply, request, 503, 'La base de données est momentanément injoignable ; réessayez dans quelques secondes.',
      'The database is unreachable for the moment; retry in a few seconds.');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return sendProblem(reply, request, status, `Requête refusée : ${error.message}`, error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, request, 500, 'Erreur interne du serveur ; elle a été journalisée.', 'Internal server error; it has been logged.');
}

/**
 * Errors Fastify raises before any route runs (a malformed percent-encoding in the URL, an
 * async constraint that failed), sent as problem+json like every other error.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendProblem(reply, request, 400, 'L’adresse contient un encodage « % » invalide ; encodez les caractères spéciaux (RFC 3986).',
      'The URL has an invalid percent-encoding; encode special characters (RFC 3986).');
  }
  return errorHandler(error, request, reply);
}

/**
 * The first number of a request's params, query or body (two levels deep, arrays aside) that is
 * not finite, as a path (`/id`), or null. Ajv (8.20, `coerceTypes`) turns the text « Infinity »
 * or « 1e400 » into Infinity for an integer or number field and then skips its minimum and
 * maximum, so `/api/territories/Infinity` reached the database: this closes that gap for every
 * route at once, after validation.
 */
function nonFinite(value: unknown, depth: number, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (depth === 0 || value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = nonFinite(inner, depth - 1, `${path}/${key}`);
    if (found !== null) return found;
  }
  return null;
}

/** A `preHandler` hook: a 400 for a number that is not finite, wherever the request carries it. */
export function rejectNonFinite(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
    const path = nonFinite(value, 2, part);
    if (path !== null) {
      done(new HttpProblem(400, `${path} doit être un nombre fini.`, `${path} must be a finite number.`));
      return;
    }
  }
  done();
}
