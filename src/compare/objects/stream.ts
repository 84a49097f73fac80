/**
 * Pair two orbit streams by orbit number with bounded memory.
 *
 * Each side is read lazily; the side whose latest orbit is behind is read next, so two streams in
 * ascending orbit order meet with at most a couple of orbits waiting. An orbit without a partner
 * waits until the other side ends or more than `window` orbits of its side wait (the oldest goes
 * first): then it is counted as present on one side only. Waiting that long, rather than giving up
 * once the other side has gone past, lets reordered inputs (blocks of orbits out of order) still
 * pair. Memory is bounded by 2 × `window` orbits, whatever the file size; `maxWaiting` reports the
 * most that ever waited.
 */
import type { OrbitBatch } from "../../events/batch.js";
import type { ObjectDiffer } from "./differ.js";

export const DEFAULT_ORBIT_WINDOW = 64;

export interface PairingStats {
  window: number;
  /** Most orbits held at once (both sides). */
  maxWaiting: number;
  /** Orbit numbers seen twice on one side (the earlier copy is compared as one-sided). */
  duplicateOrbits: { A: number; B: number };
  /** Orbits arriving below an earlier orbit number. */
  outOfOrder: { A: number; B: number };
  orbitsRead: { A: number; B: number };
}

interface Side {
  name: "A" | "B";
  it: Iterator<OrbitBatch>;
  done: boolean;
  last: number;
  waiting: Map<number, OrbitBatch>;
}

export function pairOrbitStreams(
  a: Iterable<OrbitBatch>, b: Iterable<OrbitBatch>, differ: ObjectDiffer,
  opts: { window?: number; onOrbit?: (read: number) => void } = {},
): PairingStats {
  const window = Math.max(1, opts.window ?? DEFAULT_ORBIT_WINDOW);
  const stats: PairingStats = { window, maxWaiting: 0, duplicateOrbits: { A: 0, B: 0 }, outOfOrder: { A: 0, B: 0 }, orbitsRead: { A: 0, B: 0 } };
  const side = (name: "A" | "B", src: Iterable<OrbitBatch>): Side => ({ name, it: src[Symbol.iterator](), done: false, last: -Infinity, waiting: new Map() });
  const A = side("A", a);
  const B = side("B", b);
  const flushOne = (s: Side, orbit: number) => {
    differ.oneSidedOrbit(s.name, s.waiting.get(orbit)!);
    s.waiting.delete(orbit);
  };
  /** Orbits of `s` the other side can no longer deliver (it has ended). */
  const settle = (s: Side, other: Side) => {
    if (!other.done) return;
    for (const o of [...s.waiting.keys()].sort((x, y) => x - y)) flushOne(s, o);
  };
  try {
    while (!A.done || !B.done) {
      const s = A.done ? B : B.done ? A : A.last <= B.last ? A : B;
      const other = s === A ? B : A;
      const next = s.it.next();
      if (next.done) {
        s.done = true;
      } else {
        const batch = next.value;
        const o = batch.orbit;
        stats.orbitsRead[s.name]++;
        opts.onOrbit?.(stats.orbitsRead.A + stats.orbitsRead.B);
        if (o < s.last) stats.outOfOrder[s.name]++;
        s.last = Math.max(s.last, o);
        const partner = other.waiting.get(o);
        if (partner) {
          other.waiting.delete(o);
          if (s === A) differ.compareOrbit(batch, partner);
          else differ.compareOrbit(partner, batch);
        } else {
          if (s.waiting.has(o)) {
            stats.duplicateOrbits[s.name]++;
            flushOne(s, o);
          }
          s.waiting.set(o, batch);
        }
      }
      settle(A, B);
      settle(B, A);
      for (const w of [A, B]) {
        while (w.waiting.size > window) flushOne(w, Math.min(...w.waiting.keys()));
      }
      stats.maxWaiting = Math.max(stats.maxWaiting, A.waiting.size + B.waiting.size);
    }
  } finally {
    A.it.return?.();
    B.it.return?.();
  }
  return stats;
}
