// Unions of polygons that tile the plane (communes into their EPCI, former communes into the new
// one), made on the client as the polygons stream in, by cancelling shared edges: on a clean
// coverage two neighbours share each common edge vertex for vertex, run in opposite directions,
// so the union's boundary is made of the edges that appear once. Linear in the number of
// vertices, where the server's ST_Union (or ST_Buffer(…, 0)) nodes every edge against the others:
// about 3–5 s of PostGIS 3.3 CPU for the EPCI of France, against a few tenths of a second here.
//
// The result is only a candidate. On anything but a clean coverage (overlaps, gaps crossed by an
// edge, a shared edge with different vertices) it is wrong or invalid, so the importer keeps it
// only when the database finds it valid and of its members' total area, and otherwise makes that
// group again with ST_Union. Pure code, no I/O.

type Position = readonly number[];
type Ring = readonly Position[];

/** A MultiPolygon's coordinates: polygons, each a shell and its holes, closed rings. */
export type MultiPolygonCoordinates = [number, number][][][];

/**
 * Gives every distinct (x, y) a small integer id: an open-addressing hash table over the bits of
 * the two doubles (exact equality, as the edge matching needs), in typed arrays.
 */
class VertexIds {
  #slots = new Int32Array(1 << 16).fill(-1);
  #mask = (1 << 16) - 1;
  #xy = new Float64Array(1 << 16);
  count = 0;
  readonly #pair = new Float64Array(2);
  readonly #words = new Uint32Array(this.#pair.buffer);

  id(x: number, y: number): number {
    if (2 * (this.count + 1) > this.#slots.length) this.#grow();
    for (let slot = this.#hash(x, y); ; slot = (slot + 1) & this.#mask) {
      const id = this.#slots[slot]!;
      if (id === -1) {
        if (2 * this.count + 2 > this.#xy.length) {
          const xy = new Float64Array(this.#xy.length * 2);
          xy.set(this.#xy);
          this.#xy = xy;
        }
        this.#slots[slot] = this.count;
        this.#xy[2 * this.count] = x;
        this.#xy[2 * this.count + 1] = y;
        return this.count++;
      }
      if (this.#xy[2 * id] === x && this.#xy[2 * id + 1] === y) return id;
    }
  }

  x(id: number): number {
    return this.#xy[2 * id]!;
  }
  y(id: number): number {
    return this.#xy[2 * id + 1]!;
  }

  #hash(x: number, y: number): number {
    this.#pair[0] = x;
    this.#pair[1] = y;
    const w = this.#words;
    let h = Math.imul(w[0]! ^ Math.imul(w[1]!, 0x85ebca6b), 0xc2b2ae35) ^ Math.imul(w[2]! ^ Math.imul(w[3]!, 0x27d4eb2f), 0x165667b1);
    h ^= h >>> 15;
    return h & this.#mask;
  }

  #grow(): void {
    this.#slots = new Int32Array(this.#slots.length * 2).fill(-1);
    this.#mask = this.#slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = this.#hash(this.#xy[2 * id]!, this.#xy[2 * id + 1]!);
      while (this.#slots[slot] !== -1) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = id;
    }
  }
}

/** Twice the signed area of a ring (shoelace): positive when counter-clockwise. */
function signedArea2(ring: Ring): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return s;
}

function idsArea2(ids: readonly number[], v: VertexIds): number {
  let s = 0;
  for (let i = 0; i < ids.length; i++) {
    const a = ids[i]!;
    const b = ids[(i + 1) % ids.length]!;
    s += v.x(a) * v.y(b) - v.x(b) * v.y(a);
  }
  return s;
}

/** Is (x, y) inside the closed ring of vertex ids (even-odd rule)? */
function inside(x: number, y: number, ids: readonly number[], v: VertexIds): boolean {
  let odd = false;
  for (let i = 0, j = ids.length - 1; i < ids.length; j = i++) {
    const xi = v.x(ids[i]!), yi = v.y(ids[i]!), xj = v.x(ids[j]!), yj = v.y(ids[j]!);
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
  }
  return odd;
}

/** Growable Int32Array columns. */
function grownFilled(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(n, a.length * 2)).fill(-1);
  b.set(a);
  return b;
}

function grown(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Collects polygons by key and gives, per key, the union of its polygons by shared-edge
 * cancellation.
 *
 * @example
 * const u = new CoverageUnion();
 * u.add('a', [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]);
 * u.add('a', [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]);
 * u.union('a'); // one polygon, the rectangle 0–2 × 0–1 (its corners at (1, 0) and (1, 1) kept)
 */
export class CoverageUnion {
  readonly #vertices = new VertexIds();
  readonly #groups = new Map<string, number>();
  // The directed edges not cancelled, in typed arrays: each vertex heads a linked list of the
  // edges leaving it (a vertex has a handful), so finding the reverse of a new edge is a short
  // scan and nothing is allocated per edge.
  #first = new Int32Array(1 << 16).fill(-1);
  #to = new Int32Array(1 << 16);
  #from = new Int32Array(1 << 16);
  #group = new Int32Array(1 << 16);
  #nextOut = new Int32Array(1 << 16);
  #live = new Uint8Array(1 << 16);
  #edgeCount = 0;
  /** Per group, its live edges (built by the first union()). */
  #byGroup: { start: Int32Array; edges: Int32Array } | undefined;
  /** Position of each vertex on the current walk, -1 when not on it. */
  #onPath = new Int32Array(0);

  /** Adds one polygon (GeoJSON Polygon coordinates: a shell, then holes) to the union of `key`. */
  add(key: string, polygon: readonly Ring[]): void {
    if (this.#byGroup) throw new Error('CoverageUnion: add() after union()');
    let group = this.#groups.get(key);
    if (group === undefined) this.#groups.set(key, (group = this.#groups.size));
    for (let r = 0; r < polygon.length; r++) {
      const ring = polygon[r]!;
      // Shells counter-clockwise, holes clockwise: the polygon's inside is always on the left,
      // and an edge shared with a neighbour runs the other way in the neighbour.
      const reverse = (signedArea2(ring) > 0) !== (r === 0);
      let previous = -1;
      for (let i = 0; i < ring.length; i++) {
        const p = ring[reverse ? ring.length - 1 - i : i]!;
        const id = this.#vertices.id(p[0]!, p[1]!);
        if (previous !== -1 && previous !== id) this.#addEdge(group, previous, id);
        previous = id;
      }
    }
  }

  #addEdge(group: number, from: number, to: number): void {
    if (to >= this.#first.length) this.#first = grownFilled(this.#first, this.#vertices.count);
    for (let e = this.#first[to]!; e !== -1; e = this.#nextOut[e]!) {
      if (this.#to[e] === from && this.#group[e] === group && this.#live[e]) {
        this.#live[e] = 0; // the neighbour's copy of this edge, run the other way: both go
        return;
      }
    }
    if (from >= this.#first.length) this.#first = grownFilled(this.#first, this.#vertices.count);
    const e = this.#edgeCount++;
    if (e >= this.#to.length) {
      this.#to = grown(this.#to, e + 1);
      this.#from = grown(this.#from, e + 1);
      this.#group = grown(this.#group, e + 1);
      this.#nextOut = grown(this.#nextOut, e + 1);
      const live = new Uint8Array(this.#to.length);
      live.set(this.#live);
      this.#live = live;
    }
    this.#to[e] = to;
    this.#from[e] = from;
    this.#group[e] = group;
    this.#live[e] = 1;
    this.#nextOut[e] = this.#first[from]!;
    this.#first[from] = e;
  }

  keys(): IterableIterator<string> {
    return this.#groups.keys();
  }

  /**
   * The union of the polygons added under `key`, as MultiPolygon coordinates; null when the
   * remaining edges do not close into rings (not a clean coverage) or nothing is left.
   */
  union(key: string): MultiPolygonCoordinates | null {
    const group = this.#groups.get(key);
    if (group === undefined) return null;
    const { start, edges } = this.#edgesByGroup();
    if (this.#onPath.length < this.#vertices.count) this.#onPath = new Int32Array(this.#vertices.count).fill(-1);
    const onPath = this.#onPath;
    const rings: number[][] = [];
    let closed = true;
    for (let i = start[group]!; i < start[group + 1]! && closed; i++) {
      const e = edges[i]!;
      if (!this.#live[e]) continue;
      // Walk the boundary from this edge; a vertex met again closes a loop, cut out as its own
      // ring, so that every ring is simple (a pinch, where two parts or a hole and its shell touch
      // at one vertex, gives two rings, as OGC validity wants).
      const path = [this.#from[e]!];
      onPath[path[0]!] = 0;
      let edge = e;
      while (edge !== -1) {
        this.#live[edge] = 0;
        const next = this.#to[edge]!;
        const seen = onPath[next]!;
        if (seen === -1) {
          onPath[next] = path.length;
          path.push(next);
        } else {
          const loop = path.splice(seen + 1);
          for (const id of loop) onPath[id] = -1;
          rings.push([path[seen]!, ...loop]);
        }
        edge = this.#nextEdge(group, next, this.#from[edge]!);
      }
      if (path.length > 1) closed = false; // an edge leads nowhere: not a closed boundary
      for (const id of path) onPath[id] = -1;
    }
    return closed ? this.#polygons(rings) : null;
  }

  #edgesByGroup(): { start: Int32Array; edges: Int32Array } {
    if (this.#byGroup) return this.#byGroup;
    const start = new Int32Array(this.#groups.size + 1);
    for (let e = 0; e < this.#edgeCount; e++) if (this.#live[e]) start[this.#group[e]! + 1]!++;
    for (let g = 0; g < this.#groups.size; g++) start[g + 1]! += start[g]!;
    const fill = start.slice();
    const edges = new Int32Array(start[this.#groups.size]!);
    for (let e = 0; e < this.#edgeCount; e++) if (this.#live[e]) edges[fill[this.#group[e]!]!++] = e;
    return (this.#byGroup = { start, edges });
  }

  /**
   * The live edge of `group` leaving `at` to follow after arriving from `from`: where there are
   * several (a vertex where the boundary touches itself), the first one clockwise from the way
   * back, which keeps to the same face, so that two parts joined at two vertices are two rings.
   */
  #nextEdge(group: number, at: number, from: number): number {
    let pick = -1;
    let candidates = 0;
    for (let e = this.#first[at]!; e !== -1; e = this.#nextOut[e]!) {
      if (this.#live[e] && this.#group[e] === group) {
        pick = e;
        candidates++;
      }
    }
    if (candidates < 2) return pick;
    const v = this.#vertices;
    const back = Math.atan2(v.y(from) - v.y(at), v.x(from) - v.x(at));
    let best = Infinity;
    for (let e = this.#first[at]!; e !== -1; e = this.#nextOut[e]!) {
      if (!this.#live[e] || this.#group[e] !== group) continue;
      const to = this.#to[e]!;
      let turn = back - Math.atan2(v.y(to) - v.y(at), v.x(to) - v.x(at));
      if (turn <= 0) turn += 2 * Math.PI;
      if (turn < best) {
        best = turn;
        pick = e;
      }
    }
    return pick;
  }

  /** Shells (counter-clockwise rings) with their holes, each hole in the smallest shell around it. */
  #polygons(rings: number[][]): MultiPolygonCoordinates | null {
    const v = this.#vertices;
    const shells: { ring: number[]; area: number; holes: number[][] }[] = [];
    const holes: number[][] = [];
    for (const ring of rings) {
      const area = idsArea2(ring, v);
      if (area > 0) shells.push({ ring, area, holes: [] });
      else if (area < 0) holes.push(ring);
    }
    if (shells.length === 0) return null;
    shells.sort((a, b) => a.area - b.area);
    for (const hole of holes) {
      // The middle of the hole's first edge: on the hole's boundary, so strictly inside its shell.
      const x = (v.x(hole[0]!) + v.x(hole[1]!)) / 2;
      const y = (v.y(hole[0]!) + v.y(hole[1]!)) / 2;
      const shell = shells.find((s) => inside(x, y, s.ring, v));
      if (!shell) return null;
      shell.holes.push(hole);
    }
    const coordinates = (ids: number[]): [number, number][] => [...ids, ids[0]!].map((id) => [v.x(id), v.y(id)]);
    return shells.map((s) => [coordinates(s.ring), ...s.holes.map(coordinates)]);
  }
}
