/**
 * linkRateSource: orbits arrive on the LHC clock whether or not anyone keeps up.
 *
 * ```
 * arrivals: a  b  c  d  e  f  g            (every 1/orbitHz; buffer of 2, window of 1)
 * credits:  1--------1-----------1
 * output:   a--------b-d!-e!-----c--f...   (b, c wait in the buffer; d and e arrive to a full
 *                                            buffer and are emitted at once flagged dropped)
 * ```
 *
 * The link writes each orbit into a bounded receive buffer (`bufferOrbits`) at its scheduled
 * time; the pipeline takes orbits out only when it has credit (the same `Demand` as pull mode,
 * `window` orbits in flight). An orbit that arrives to a full buffer is lost, exactly as a DAQ
 * loses it; it is still emitted, flagged `dropped`, so the accounting fails its events with a
 * reason (it consumes no credit). Each orbit carries its *scheduled* arrival time, so latency is
 * measured against the schedule and a stall shows in the tail (no coordinated omission). A blocked event loop does not hide drops either: arrivals are computed from
 * the clock, and those that could not fit while nobody read the buffer are dropped.
 */
import { Observable } from "rxjs";
import type { OrbitBatch } from "../events/batch.js";
import { ORBIT_HZ } from "../events/batch.js";
import type { Demand } from "./pullSource.js";
import { newWork, nowNs, type OrbitWork } from "./work.js";

export interface LinkRateSourceOptions {
  /** Orbit rate in Hz (default: the LHC orbit frequency). */
  orbitHz?: number;
  /** Orbits the receive buffer holds; arrivals beyond it are dropped (default 256). */
  bufferOrbits?: number;
  /** Orbits handed to the pipeline before the first credit comes back (default 4). */
  window?: number;
  /** Monotonic clock in ns (injectable for tests). */
  clock?: () => number;
}

export function linkRateSource(items: Iterable<OrbitBatch>, demand: Demand, opts: LinkRateSourceOptions = {}): Observable<OrbitWork> {
  const hz = opts.orbitHz ?? ORBIT_HZ;
  if (!(hz > 0)) throw new RangeError(`orbitHz must be > 0, got ${hz}`);
  const capacity = Math.max(1, Math.floor(opts.bufferOrbits ?? 256));
  const clock = opts.clock ?? nowNs;
  const periodNs = 1e9 / hz;
  return new Observable<OrbitWork>((subscriber) => {
    const it = items[Symbol.iterator]();
    const buffer: OrbitWork[] = [];
    let head = 0; // buffer[head..] are waiting (array compacted now and then)
    let credits = Math.max(1, Math.floor(opts.window ?? 4));
    let k = 0;
    let exhausted = false;
    let draining = false;
    let timer: NodeJS.Timeout | undefined;
    const t0 = clock();

    const waiting = () => buffer.length - head;
    const fail = (err: unknown) => {
      exhausted = true;
      subscriber.error(err);
    };
    /** Orbits whose scheduled time has passed enter the buffer (or are dropped). */
    const arrive = () => {
      const due = Math.floor((clock() - t0) / periodNs) + 1;
      while (k < due && !exhausted && !subscriber.closed) {
        const r = it.next();
        if (r.done) {
          exhausted = true;
          break;
        }
        const work = newWork(k, r.value, t0 + k * periodNs);
        k++;
        if (waiting() >= capacity) {
          work.dropped = true;
          subscriber.next(work);
        } else buffer.push(work);
      }
    };
    const drain = () => {
      if (draining) return;
      draining = true;
      try {
        while (credits > 0 && waiting() > 0 && !subscriber.closed) {
          credits--;
          const work = buffer[head++];
          if (head > 1024 && head * 2 > buffer.length) (buffer.splice(0, head), (head = 0));
          subscriber.next(work);
          // Processing may have taken a while: let what arrived meanwhile in first.
          arrive();
        }
        if (exhausted && waiting() === 0 && !subscriber.closed) subscriber.complete();
      } finally {
        draining = false;
      }
    };
    const tick = () => {
      timer = undefined;
      try {
        arrive();
        drain();
        if (!exhausted && !subscriber.closed) {
          timer = setTimeout(tick, Math.max(0, (t0 + k * periodNs - clock()) / 1e6));
        }
      } catch (err) {
        fail(err);
      }
    };
    demand.grant = (n: number) => {
      credits += n;
      try {
        drain();
      } catch (err) {
        fail(err);
      }
    };
    tick();
    return () => {
      if (timer) clearTimeout(timer);
      demand.grant = () => {};
      if (!exhausted) it.return?.();
    };
  });
}
