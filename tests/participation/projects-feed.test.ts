// Projects (list, filters, page, comments kept as plain text, one support per person, stage
// changes in the history), the change feed (JSON Feed 1.1 and Atom, by layer and territory),
// and no personal data in anything public.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { SaxesParser } from 'saxes';
import { gunzipSync } from 'node:zlib';
import { participationApp as buildApp } from './app.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { loadToyTerritory } from '../importers/helpers.ts';
import { type SignedIn, signedInAs } from '../support/auth.ts';
import { lonLatToTile } from '../../api/src/tiles/grid.ts';

const XSS = `<img src=x onerror="alert('xss')"><script>alert(1)</script> & « ça »`;

/** Parses XML with a conforming parser; throws on anything not well-formed. */
function parseXml(text: string): { elements: string[]; texts: Map<string, string[]> } {
  const parser = new SaxesParser();
  const elements: string[] = [];
  const texts = new Map<string, string[]>();
  const stack: string[] = [];
  parser.on('opentag', (t) => { elements.push(t.name); stack.push(t.name); });
  parser.on('closetag', () => { stack.pop(); });
  parser.on('text', (t) => {
    const top = stack.at(-1);
    if (top && t.trim()) texts.set(top, [...(texts.get(top) ?? []), t]);
  });
  parser.on('error', (e) => { throw e; });
  parser.write(text).close();
  return { elements, texts };
}

describe(`projects, feed and privacy (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  let author: SignedIn;
  let supporter: SignedIn;
  let stranger: SignedIn;
  let moderator: SignedIn;
  let planner: SignedIn;
  let projectId: number;
  let needInBeta: string;

  const post = (who: SignedIn, url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: who.headers, payload: payload as object });
  async function approved(who: SignedIn, payload: Record<string, unknown>): Promise<string> {
    const c = await post(who, '/api/contributions', { licenceConsent: true, ...payload });
    expect(c.statusCode, c.body).toBe(201);
    const d = await post(moderator, `/api/moderation/contributions/${c.json().contribution.id}/approve`, {});
    expect(d.statusCode, d.body).toBe(200);
    return d.json().feature.id as string;
  }

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    app = await buildApp({ handle: h, auth: { publicUrl: 'https://maillage.test' } });
    author = await signedInAs(app, h.db, 'citizen', { displayName: 'Porteuse', email: 'porteuse.secret@example.org' });
    supporter = await signedInAs(app, h.db, 'citizen', { displayName: 'Soutien', email: 'soutien.secret@example.org' });
    stranger = await signedInAs(app, h.db, 'citizen', { email: 'inconnu.secret@example.org' });
    moderator = await signedInAs(app, h.db, 'moderator', { email: 'moderation.secret@example.org' });
    planner = await signedInAs(app, h.db, 'planner', { email: 'planif.secret@example.org' });
    projectId = Number(await approved(author, {
      kind: 'project', location: [0.004, 45.004], title: 'Café associatif d’Alpha', themes: ['cadre_de_vie', 'alimentation'], stage: 'idee',
      leadOrganisation: 'Association Alpha Vivante', communeCodes: ['99001'], context: 'Plus de café depuis 2019.', expectedResults: 'Un lieu ouvert 5 jours sur 7.',
    }));
    await approved(author, {
      kind: 'project', location: [0.015, 45.005], title: 'Tiers-lieu de Beta', themes: ['culture'], stage: 'montage',
      communeCodes: ['99002'], context: 'Une ancienne école.', expectedResults: 'Ateliers.',
    });
    needInBeta = await approved(stranger, { kind: 'need', location: [0.013, 45.004], category: 'grocery', comment: 'Il manque une épicerie' });
    await approved(stranger, { kind: 'place', location: [0.002, 45.002], category: 'bakery', name: `Boulangerie ${XSS}` });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('lists projects with theme, stage and commune filters', async () => {
    const all = (await app.inject('/api/projects')).json();
    expect(all.total).toBe(2);
    const titles = (q: string) => app.inject(`/api/projects?${q}`).then((r) => r.json().projects.map((p: { title: string }) => p.title));
    expect(await titles('theme=alimentation')).toEqual(['Café associatif d’Alpha']);
    expect(await titles('stage=montage')).toEqual(['Tiers-lieu de Beta']);
    expect(await titles('commune=99001')).toEqual(['Café associatif d’Alpha']);
    expect(await titles('commune=99002&theme=culture')).toEqual(['Tiers-lieu de Beta']);
    expect(await titles('theme=sante')).toEqual([]);
    expect((await app.inject('/api/projects?theme=astrologie')).statusCode).toBe(400);
    const alpha = all.projects.find((p: { id: number }) => p.id === projectId);
    expect(alpha).toMatchObject({ stage: { code: 'idee', label: { fr: 'Idée' } }, communes: [{ code: '99001', name: 'Alpha-sur-Test' }], leadOrganisation: 'Association Alpha Vivante' });
  });

  it('keeps a comment as the text it was, markup included, and lets its author or a moderator hide it', async () => {
    const r = await post(stranger, `/api/projects/${projectId}/comments`, { body: XSS });
    expect(r.statusCode).toBe(201);
    expect(r.json().body).toBe(XSS);
    const page = (await app.inject(`/api/projects/${projectId}`)).json();
    expect(page.commentList.map((c: { body: string }) => c.body)).toEqual([XSS]);
    expect(page.commentList[0].author).toMatch(/^citizen /);
    // The author of the project is told.
    const notes = (await app.inject({ url: '/api/auth/notifications', headers: author.headers })).json();
    expect(notes.notifications.map((n: { kind: string }) => n.kind)).toContain('project_comment');
    // Someone else cannot hide it; a moderator can.
    const id = r.json().id as number;
    expect((await app.inject({ method: 'DELETE', url: `/api/projects/${projectId}/comments/${id}`, headers: supporter.headers })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/api/projects/${projectId}/comments/${id}`, headers: moderator.headers })).statusCode).toBe(204);
    expect((await app.inject(`/api/projects/${projectId}`)).json().commentList).toEqual([]);
    expect((await post(stranger, `/api/projects/${projectId}/comments`, { body: '   ' })).statusCode).toBe(400);
    expect((await post(stranger, `/api/projects/${projectId}/comments`, { body: 'x'.repeat(2001) })).statusCode).toBe(400);
    expect((await post(stranger, '/api/projects/999999/comments', { body: 'Bonjour' })).statusCode).toBe(404);
  });

  it('counts one support per person, however many times they press it', async () => {
    const support = (who: SignedIn, method: 'PUT' | 'DELETE') => app.inject({ method, url: `/api/projects/${projectId}/support`, headers: who.headers });
    expect((await support(supporter, 'PUT')).json()).toEqual({ supports: 1, supported: true });
    expect((await support(supporter, 'PUT')).json()).toEqual({ supports: 1, supported: true });
    expect((await support(stranger, 'PUT')).json().supports).toBe(2);
    expect((await support(stranger, 'DELETE')).json()).toEqual({ supports: 1, supported: false });
    const page = (await app.inject({ url: `/api/projects/${projectId}`, headers: supporter.headers })).json();
    expect(page.supports).toBe(1);
    expect(page.viewer).toEqual({ supports: true, canChangeStage: false, canModerate: false });
    expect((await app.inject(`/api/projects/${projectId}`)).json().viewer).toBeNull();
  });

  it('lets the author and planners change the stage, records it in the history and tells the supporters', async () => {
    const stage = (who: SignedIn, s: string) => post(who, `/api/projects/${projectId}/stage`, { stage: s });
    expect((await stage(stranger, 'montage')).statusCode).toBe(403);
    expect((await stage(author, 'nowhere')).statusCode).toBe(400);
    expect((await stage(author, 'etude_opportunite')).statusCode).toBe(200);
    expect((await stage(planner, 'montage')).statusCode).toBe(200);
    const page = (await app.inject(`/api/projects/${projectId}`)).json();
    expect(page.stage.code).toBe('montage');
    expect(page.stages.map((s: { code: string }) => s.code)).toEqual(['idee', 'etude_opportunite', 'montage']);
    const history = (await app.inject(page.history)).json();
    expect(history.changes.map((c: { action: string }) => c.action)).toEqual(['create', 'stage', 'stage']);
    expect(history.changes[1].before.properties.stage).toBe('idee');
    expect(history.changes[1].after.properties.stage).toBe('etude_opportunite');
    const notes = (await app.inject({ url: '/api/auth/notifications', headers: supporter.headers })).json();
    expect(notes.notifications.filter((n: { kind: string }) => n.kind === 'project_stage')).toHaveLength(2);
  });

  it('publishes the changes as JSON Feed 1.1, filtered by layer and territory', async () => {
    const r = await app.inject('/api/feed.json');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/feed\+json/);
    const feed = r.json();
    expect(feed).toMatchObject({ version: 'https://jsonfeed.org/version/1.1', title: 'Maillage : changements récents', home_page_url: 'https://maillage.test/' });
    // Newest first: the two stage changes, then the four creations.
    expect(feed.items.map((i: { tags: string[] }) => i.tags.join('/'))).toEqual([
      'projects/stage', 'projects/stage', 'places/create', 'needs/create', 'projects/create', 'projects/create',
    ]);
    const need = feed.items.find((i: { tags: string[] }) => i.tags[0] === 'needs');
    expect(need).toMatchObject({ url: `https://maillage.test/api/ogc/collections/needs/items/${needInBeta}` });
    expect(need.content_text).toMatch(/category : grocery/);
    expect(need.content_text).toMatch(/Licence Ouverte 2\.0/);
    expect(feed.items[0].title).toBe('Étape du projet « Café associatif d’Alpha » : Montage');
    expect(feed.items[0].url).toBe(`https://maillage.test/projets/${projectId}`);
    for (const item of feed.items) expect(Date.parse(item.date_published)).not.toBeNaN();

    const layer = (await app.inject('/api/feed.json?layer=needs')).json();
    expect(layer.items.map((i: { tags: string[] }) => i.tags[0])).toEqual(['needs']);
    const beta = (await app.inject('/api/feed.json?scope=commune:99002')).json();
    expect(beta.title).toBe('Maillage : changements récents — Beta-Gamma');
    expect(beta.items.map((i: { title: string }) => i.title).sort()).toEqual(['Nouveau dans « Besoins exprimés » : grocery', 'Nouveau dans « Projets » : Tiers-lieu de Beta']);
    const epci = (await app.inject('/api/feed.json?scope=epci:200000001')).json();
    expect(epci.items).toHaveLength(6);
    expect((await app.inject('/api/feed.json?scope=commune:99999')).statusCode).toBe(404);
    const bad = await app.inject('/api/feed.json?scope=planete:mars');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect((await app.inject('/api/feed.json?layer=nope')).statusCode).toBe(400);
  });

  it('publishes the same changes as well-formed Atom, markup from users escaped', async () => {
    const r = await app.inject('/api/feed.atom?layer=places');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/atom\+xml/);
    const { elements, texts } = parseXml(r.body);
    expect(elements.filter((e) => e === 'entry')).toHaveLength(1);
    expect(elements).not.toContain('script');
    expect(elements).not.toContain('img');
    expect(texts.get('title')).toContain(`Nouveau dans « Lieux du quotidien » : Boulangerie ${XSS}`);
    expect(texts.get('rights')![0]).toMatch(/ODbL 1\.0 — © les contributeurs d'OpenStreetMap/);
    expect(r.body).toContain('<link rel="self" type="application/atom+xml" href="https://maillage.test/api/feed.atom?layer=places"/>');
  });

  it('shows no e-mail address, and no account id, in anything public', async () => {
    const emails = [author, supporter, stranger, moderator, planner].map((s) => s.user.email);
    const bodies: string[] = [];
    const t = lonLatToTile(0.004, 45.004, 14);
    const urls = [
      '/api/feed.json', '/api/feed.atom', '/api/projects', `/api/projects/${projectId}`, `/api/layers/projects/features/${projectId}/history`,
      `/api/layers/needs/features/${needInBeta}/history`, '/api/layers', '/api/catalog', '/api/contributions/vocabulary',
      ...['places', 'needs', 'projects', 'vacant_shops'].flatMap((l) => [
        `/api/ogc/collections/${l}/items?limit=1000`, `/api/exports/${l}.geojson`, `/api/exports/${l}.csv`, `/api/ogc/collections/${l}/queryables`,
      ]),
    ];
    for (const url of urls) {
      const r = await app.inject(url);
      expect(r.statusCode, url).toBe(200);
      bodies.push(r.body);
    }
    for (const layer of ['needs', 'projects', 'places']) {
      const r = await app.inject({ url: `/api/tiles/${layer}/14/${t.x}/${t.y}.mvt`, headers: { 'accept-encoding': 'gzip' } });
      if (r.statusCode === 200) bodies.push((r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.rawPayload) : r.rawPayload).toString('latin1'));
    }
    const gpkg = await app.inject('/api/exports/projects.gpkg');
    expect(gpkg.statusCode).toBe(200);
    bodies.push(gpkg.rawPayload.toString('latin1'));
    const all = bodies.join('\n');
    for (const email of emails) expect(all).not.toContain(email);
    expect(all).not.toMatch(/@example\.org/);
    expect(all).not.toMatch(/created_by|author_id|password/);
  });
});
