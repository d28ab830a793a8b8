// The map explorer's shareable state and filters (web/src/lib/explorer): what goes into the
// address comes back the same, filters say the same thing in CQL2 and in MapLibre, and a
// mangled address still opens on what can be read. Pure functions: no database, no browser.
import { describe, expect, it } from 'vitest';
import { explorerLayers, stateSchema } from '../../web/src/lib/explorer/catalogue.ts';
import { cql2String, keepsNothing, keepsValue, toCql2, toggleValue, toTileExpression, withValues } from '../../web/src/lib/explorer/filters.ts';
import { formatState, parseState, type ExplorerState } from '../../web/src/lib/explorer/url-state.ts';

const schema = stateSchema(explorerLayers([]), 5, 18);
const defaults = schema.layers.filter((l) => l.defaultVisible).map((l) => l.id);
const parse = (query: string) => parseState(new URLSearchParams(query), schema);

describe('explorer address', () => {
  it('is bare for the default view, and reads back as the defaults', () => {
    const state: ExplorerState = { view: null, visible: defaults, filters: {}, selected: null };
    expect(formatState(state, schema)).toBe('');
    expect(parse('')).toEqual(state);
  });

  it('round-trips a view, layers, filters with spaces and accents, and a selection', () => {
    const state: ExplorerState = {
      view: { center: [-0.77123, 48.07456], zoom: 13.25 },
      visible: ['communes', 'tiers_lieux', 'places'],
      filters: { tiers_lieux: { typology: ['T', 'D'], state: ['En activité'] }, places: { category: ['bakery'] } },
      selected: { layer: 'places', id: '872' },
    };
    const query = formatState(state, schema);
    // Readable: commas and colons are not escaped; layers keep the catalogue's order.
    expect(query).toBe('c=-0.77123,48.07456&z=13.25&layers=communes,places,tiers_lieux'
      + '&places.category=bakery&tiers_lieux.typology=T,D&tiers_lieux.state=En%20activit%C3%A9&sel=places:872');
    const back = parse(query);
    expect(back.view).toEqual(state.view);
    expect(back.visible).toEqual(['communes', 'places', 'tiers_lieux']);
    expect(back.filters).toEqual(state.filters);
    expect(back.selected).toEqual(state.selected);
  });

  it('keeps an empty filter (nothing shown) apart from no filter', () => {
    const back = parse(formatState({ view: null, visible: defaults, filters: { places: { category: [] } }, selected: null }, schema));
    expect(back.filters).toEqual({ places: { category: [] } });
    expect(keepsNothing(back.filters.places)).toBe(true);
    expect(parse('layers=').visible).toEqual([]);
  });

  it.each([
    ['c=abc,48&z=9', 'a centre that is not a number'],
    ['c=-0.7,48&z=30', 'a zoom past the map’s range'],
    ['c=-0.7,48,3&z=9', 'three coordinates'],
    ['c=-0.7,95&z=9', 'a latitude beyond Web Mercator'],
    ['z=9', 'a zoom without a centre'],
  ])('drops %s (%s) and fits the territory instead', (query) => {
    expect(parse(query).view).toBeNull();
  });

  it('ignores unknown layers, unknown filter properties and a malformed selection', () => {
    const state = parse('layers=places,castles&places.colour=red&sel=castles:1&foo=bar');
    expect(state.visible).toEqual(['places']);
    expect(state.filters).toEqual({});
    expect(state.selected).toBeNull();
    expect(parse('sel=places:').selected).toBeNull();
    expect(parse('sel=communes:53130').selected).toEqual({ layer: 'communes', id: '53130' });
  });
});

describe('explorer filters', () => {
  it('writes CQL2 the API accepts: IN lists, AND between properties, quotes doubled', () => {
    expect(toCql2({ category: ['bakery', 'cafe_bar'] })).toBe("category IN ('bakery','cafe_bar')");
    expect(toCql2({ typology: ['T'], state: ['En activité'] })).toBe("typology IN ('T') AND state IN ('En activité')");
    expect(cql2String("l'épicerie")).toBe("'l''épicerie'");
    expect(toCql2({})).toBeNull();
    expect(toCql2(undefined)).toBeNull();
    // Nothing kept: no CQL2 at all (the caller shows nothing and counts 0).
    expect(toCql2({ category: [] })).toBeNull();
  });

  it('turns only the properties the tiles carry into a MapLibre expression', () => {
    expect(toTileExpression({ typology: ['T'], state: ['En projet'] }, ['name', 'state'])).toEqual([
      'all', ['in', ['get', 'state'], ['literal', ['En projet']]],
    ]);
    expect(toTileExpression({ typology: ['T'] }, ['name', 'state'])).toBeNull();
  });

  it('toggles values, and drops the filter once every value is back', () => {
    const all = ['bakery', 'cafe_bar', 'grocery'];
    const one = toggleValue(undefined, 'category', 'bakery', all);
    expect(one).toEqual({ category: ['cafe_bar', 'grocery'] });
    expect(keepsValue(one, 'category', 'bakery')).toBe(false);
    expect(keepsValue(one, 'category', 'grocery')).toBe(true);
    const input = { category: ['cafe_bar', 'grocery'] };
    const frozen = JSON.stringify(input);
    expect(toggleValue(input, 'category', 'bakery', all)).toEqual({});
    // The filter given is not changed in place.
    expect(JSON.stringify(input)).toBe(frozen);
  });

  it('sets a property to all values (no filter) or to none, leaving the others alone', () => {
    const filter = { typology: ['T'], state: ['En projet'] };
    expect(withValues(filter, 'state', null)).toEqual({ typology: ['T'] });
    expect(withValues(filter, 'state', [])).toEqual({ typology: ['T'], state: [] });
    expect(keepsNothing(withValues(filter, 'state', []))).toBe(true);
    expect(filter).toEqual({ typology: ['T'], state: ['En projet'] });
  });
});
