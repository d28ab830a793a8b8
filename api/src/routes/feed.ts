// GET /api/feed.json (JSON Feed 1.1) and /api/feed.atom (Atom, RFC 4287): recent approved
// changes to the public layers, filterable by layer and territory (`scope`, as analyses:
// departement:53, epci:<SIREN>, commune:<INSEE>, territory:<id>). No personal data: no
// e-mail, no display name; the licence of each layer travels with its entries.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { AnalysisInputError, parseScope, resolveScope, type Scope, SCOPE_SYNTAX } from '@maillage/sql';
import { findLayer, LAYERS, type LayerDefinition } from '../layers/registry.ts';
import { HttpProblem } from '../problem.ts';
import { type FeedRow, recentChanges } from '../repositories/feed.repository.ts';
import { STAGES } from './contributions/vocabulary.ts';
import { ProblemSchema } from './schemas.ts';

const Query = Type.Object({
  layer: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: LAYERS.map((l) => l.id) })),
  scope: Type.Optional(Type.String({ maxLength: 40, description: SCOPE_SYNTAX })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
}, { additionalProperties: false });

interface Entry {
  id: string;
  url: string;
  title: string;
  text: string;
  date: string;
  layer: LayerDefinition;
  action: string;
}

type Props = Record<string, unknown>;
const props = (f: Record<string, unknown> | null): Props => (f?.properties ?? {}) as Props;

const label = (p: Props): string => String(p.name ?? p.title ?? p.address ?? p.category ?? '');

const show = (v: unknown) => (v === null || v === undefined ? '—' : Array.isArray(v) ? v.join(', ') : String(v));

function describe(row: FeedRow, base: string): Entry | undefined {
  const layer = findLayer(row.layer);
  if (!layer) return undefined;
  const before = props(row.before);
  const after = props(row.after);
  const what = label(after) || `${layer.id}/${row.feature_id}`;
  let title: string;
  let text: string;
  switch (row.action) {
    case 'create':
      title = `Nouveau dans « ${layer.title.fr} » : ${what}`;
      text = Object.entries(after).filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && !v.length)).map(([k, v]) => `${k} : ${show(v)}`).join('\n');
      break;
    case 'stage': {
      const stage = (code: unknown) => STAGES.find((s) => s.code === code)?.label.fr ?? show(code);
      title = `Étape du projet « ${what} » : ${stage(after.stage)}`;
      text = `${stage(before.stage)} → ${stage(after.stage)}`;
      break;
    }
    default: {
      const changed = Object.keys({ ...before, ...after }).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
      const moved = JSON.stringify(row.before?.geometry) !== JSON.stringify(row.after?.geometry);
      title = `${row.action === 'merge' ? 'Complété' : 'Corrigé'} dans « ${layer.title.fr} » : ${what}`;
      text = [...changed.map((k) => `${k} : ${show(before[k])} → ${show(after[k])}`), ...(moved ? ['position déplacée'] : [])].join('\n') || 'sans changement visible';
    }
  }
  const url = layer.id === 'projects' ? `${base}/projets/${row.feature_id}` : `${base}/api/ogc/collections/${layer.id}/items/${encodeURIComponent(row.feature_id)}`;
  return { id: `tag:maillage,2026:change/${row.id}`, url, title, text: `${text}\n\nLicence : ${layer.licence} — ${layer.attribution}`, date: row.at.toISOString(), layer, action: row.action };
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!)
  // Characters XML 1.0 cannot carry at all.
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');

const feed: FastifyPluginAsyncTypebox = async (app) => {
  const base = app.authOptions.publicUrl;

  async function entries(q: { layer?: string | undefined; scope?: string | undefined; limit: number }): Promise<{ entries: Entry[]; scopeName: string | null }> {
    let scope: Scope | undefined;
    let scopeName: string | null = null;
    if (q.scope) {
      try {
        scope = parseScope(q.scope);
      } catch (error) {
        if (error instanceof AnalysisInputError) throw new HttpProblem(400, error.fr, error.en);
        throw error;
      }
      const resolved = await resolveScope(app.db, scope);
      if (!resolved) throw new HttpProblem(404, `Périmètre « ${q.scope} » introuvable.`, `Scope "${q.scope}" not found.`);
      scopeName = resolved.name;
    }
    const rows = await recentChanges(app.db, { layer: q.layer, scope, limit: q.limit });
    return { entries: rows.map((r) => describe(r, base)).filter((e): e is Entry => e !== undefined), scopeName };
  }

  const selfUrl = (ext: string, query: Record<string, unknown>) => {
    const params = new URLSearchParams(Object.entries(query).filter(([k, v]) => v !== undefined && k !== 'limit').map(([k, v]): [string, string] => [k, String(v)]));
    const qs = params.toString();
    return `${base}/api/feed.${ext}${qs ? `?${qs}` : ''}`;
  };
  const feedTitle = (q: { layer?: string | undefined }, scopeName: string | null) =>
    ['Maillage : changements récents', q.layer ? findLayer(q.layer)?.title.fr : undefined, scopeName ?? undefined].filter(Boolean).join(' — ');
  const cache = (reply: FastifyReply) => reply.header('cache-control', 'public, max-age=60');

  app.get('/feed.json', {
    schema: {
      summary: 'Changements récents (JSON Feed 1.1) / Recent changes (JSON Feed 1.1)',
      tags: ['feed'],
      querystring: Query,
      response: { 200: Type.Unsafe<object>({ type: 'object', additionalProperties: true }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const { entries: list, scopeName } = await entries(request.query);
    void cache(reply).type('application/feed+json; charset=utf-8');
    return {
      version: 'https://jsonfeed.org/version/1.1',
      title: feedTitle(request.query, scopeName),
      home_page_url: `${base}/`,
      feed_url: selfUrl('json', request.query),
      description: 'Objets ajoutés, corrigés ou complétés après modération, et étapes des projets. / Features added, corrected or completed after moderation, and project stages.',
      language: 'fr',
      authors: [{ name: 'Contributeurs de Maillage' }],
      items: list.map((e) => ({
        id: e.id, url: e.url, title: e.title, content_text: e.text, date_published: e.date,
        tags: [e.layer.id, e.action],
        _maillage: { layer: e.layer.id, action: e.action, licence: e.layer.licence, attribution: e.layer.attribution },
      })),
    };
  });

  app.get('/feed.atom', {
    schema: {
      summary: 'Changements récents (Atom) / Recent changes (Atom)',
      tags: ['feed'],
      querystring: Query,
      response: { 200: Type.String({ description: 'Atom (RFC 4287)' }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const { entries: list, scopeName } = await entries(request.query);
    const self = selfUrl('atom', request.query);
    const updated = list[0]?.date ?? new Date(0).toISOString();
    const body = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">',
      `  <title>${xml(feedTitle(request.query, scopeName))}</title>`,
      `  <id>${xml(self)}</id>`,
      `  <updated>${updated}</updated>`,
      `  <link rel="self" type="application/atom+xml" href="${xml(self)}"/>`,
      `  <link rel="alternate" type="text/html" href="${xml(`${base}/`)}"/>`,
      '  <author><name>Contributeurs de Maillage</name></author>',
      ...list.map((e) => [
        '  <entry>',
        `    <id>${xml(e.id)}</id>`,
        `    <title>${xml(e.title)}</title>`,
        `    <updated>${e.date}</updated>`,
        `    <link rel="alternate" href="${xml(e.url)}"/>`,
        `    <category term="${xml(e.layer.id)}"/>`,
        `    <rights>${xml(`${e.layer.licence} — ${e.layer.attribution}`)}</rights>`,
        `    <content type="text">${xml(e.text)}</content>`,
        '  </entry>',
      ].join('\n')),
      '</feed>',
      '',
    ].join('\n');
    return cache(reply).type('application/atom+xml; charset=utf-8').send(body);
  });
};

export default feed;
