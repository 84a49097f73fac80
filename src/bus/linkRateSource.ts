/**
 * linkRateSource: emits orbits on the LHC clock whether or not anyone keeps up.
 *
 * ```
 * clock:   |--89µs--|--89µs--|--89µs--|...      (11.2455 kHz, or any orbitHz)
 * loop:    ====blocked 4 periods====t
 * source:  a        b        c        d e f g    (receive buffer 2: at t only d,e fit, f,g are
 *                                                 emitted with dropped=true)
 * ```
 *
 * Each orbit carries its *scheduled* send time (t0 + k/orbitHz), so latency downstream is
 * measured against the schedule and a stall shows up in the tail (no coordinated omission,
 * reference/hil.md). Orbits that arrive while the receive buffer (`bufferOrbits`) is full are
 * lost, exactly as a DAQ loses them; they are still emitted, flagged `dropped`, so the
 * accounting can fail their events with a reason instead of forgetting them.
 */
import { Observable } from "rxjs";
import type { OrbitBatch } from "../events/batch.js";
import { ORBIT_HZ } from "../events/batch.js";
import { newWork, nowNs, type OrbitWork } from "./work.js";

export interface LinkRateSourceOptions {
  /** Orbit rate in Hz (default: the LHC orbit frequency). */
  orbitHz?: number;
  /** Orbits the receive buffer holds between two reads of the host; the overflow is dropped. */
  bufferOrbits?: number;
  /** Monotonic clock in ns (injectable for tests). */
  clock?: () => number;
}

export function linkRateSource(items: Iterable<OrbitBatch>, opts: LinkRateSourceOptions = {}): Observable<OrbitWork> {
  const hz = opts.orbitHz ?? ORBIT_HZ;
  if (!(hz > 0)) throw new RangeError(`orbitHz must be > 0, got ${hz}`);
  const capacity = Math.max(1, Math.floor(opts.bufferOrbits ?? 256));
  const clock = opts.clock ?? nowNs;
  const periodNs = 1e9 / hz;
  return new Observable<OrbitWork>((subscriber) => {
    const it = items[Symbol.iterator]();
    const t0 = clock();
    let k = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;

    const tick = () => {
      timer = undefined;
      try {
        // Orbits k .. due-1 have arrived since the last read; the buffer keeps the first `capacity`.
        const due = Math.floor((clock() - t0) / periodNs) + 1;
        const firstLost = k + capacity;
        while (k < due && !subscriber.closed) {
          const r = it.next();
          if (r.done) {
            done = true;
            subscriber.complete();
            return;
          }
          const work = newWork(k, r.value, t0 + k * periodNs);
          work.dropped = k >= firstLost;
          k++;
          subscriber.next(work);
        }
        if (subscriber.closed) return;
        const waitMs = Math.max(0, (t0 + k * periodNs - clock()) / 1e6);
        timer = setTimeout(tick, waitMs);
      } catch (err) {
        done = true;
        subscriber.error(err);
      }
    };
    tick();
    return () => {
      if (timer) clearTimeout(timer);
      if (!done) it.return?.();
    };
  });
}
