// The client-side union by shared-edge cancellation (importers/src/coverage-union.ts), on tilings
// small enough to check by hand. Pure code: the same in both database modes.
import { describe, expect, it } from 'vitest';
import { CoverageUnion, type MultiPolygonCoordinates } from '../../importers/src/coverage-union.ts';

const square = (x: number, y: number, size = 1): number[][] => [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]];
const clockwise = (ring: number[][]): number[][] => [...ring].reverse();

/** Planar area: shells minus holes, whatever their orientation. */
function area(m: MultiPolygonCoordinates): number {
  const ring = (r: number[][]) => Math.abs(r.slice(1).reduce((s, p, i) => s + r[i]![0]! * p[1]! - p[0]! * r[i]![1]!, 0)) / 2;
  return m.reduce((s, [shell, ...holes]) => s + ring(shell!) - holes.reduce((h, r) => h + ring(r), 0), 0);
}

function unionOf(polygons: number[][][][]): MultiPolygonCoordinates | null {
  const u = new CoverageUnion();
  for (const p of polygons) u.add('k', p);
  return u.union('k');
}

describe('CoverageUnion (shared-edge cancellation)', () => {
  it('dissolves two squares sharing an edge into one rectangle', () => {
    const m = unionOf([[square(0, 0)], [square(1, 0)]])!;
    expect(m).toHaveLength(1);
    expect(m[0]).toHaveLength(1);
    expect(area(m)).toBe(2);
    expect(m[0]![0]).toHaveLength(7); // six vertices (the ends of the removed edge stay), closed
  });

  it('reads shells whatever their orientation (clockwise as well)', () => {
    expect(area(unionOf([[clockwise(square(0, 0))], [square(1, 0)], [clockwise(square(0, 1))]])!)).toBe(3);
  });

  it('leaves a hole where a square is missing from a 3 × 3 block', () => {
    const polygons = [];
    for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) if (x !== 1 || y !== 1) polygons.push([square(x, y)]);
    const m = unionOf(polygons)!;
    expect(m).toHaveLength(1);
    expect(m[0]).toHaveLength(2); // shell and hole
    expect(area(m)).toBe(8);
  });

  it('keeps two squares touching at a corner as two polygons', () => {
    const m = unionOf([[square(0, 0)], [square(1, 1)]])!;
    expect(m).toHaveLength(2);
    expect(area(m)).toBe(2);
  });

  it('splits a boundary that touches itself at one vertex into simple rings (a hole touching its shell)', () => {
    // An L of three squares around (1, 1) plus a square touching it only at (1, 1)'s corner (2, 2)
    // from the inside: a 3 × 3 block missing the centre and the top-right square touching the hole.
    const polygons = [];
    for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) if (!(x === 1 && y === 1) && !(x === 2 && y === 2)) polygons.push([square(x, y)]);
    const m = unionOf(polygons)!;
    expect(area(m)).toBe(7);
    for (const polygon of m) for (const ring of polygon) {
      const vertices = ring.slice(1).map((p) => p.join(' '));
      expect(new Set(vertices).size).toBe(vertices.length); // no vertex twice in one ring
    }
  });

  it('keeps the polygon holes of its members (an enclave) as holes', () => {
    const m = unionOf([[square(0, 0, 3), clockwise(square(1, 1))], [square(3, 0, 3)]])!;
    expect(area(m)).toBe(17);
    expect(m).toHaveLength(1);
    expect(m[0]).toHaveLength(2);
  });

  it('unites by key, and gives null for a key it never saw', () => {
    const u = new CoverageUnion();
    u.add('a', [square(0, 0)]);
    u.add('b', [square(1, 0)]);
    expect(area(u.union('a')!)).toBe(1);
    expect(area(u.union('b')!)).toBe(1);
    expect(u.union('c')).toBeNull();
  });

  it('does not mutate its input', () => {
    const polygons = [[clockwise(square(0, 0))], [square(1, 0)]];
    const copy = JSON.parse(JSON.stringify(polygons));
    unionOf(polygons);
    expect(polygons).toEqual(copy);
  });
});
