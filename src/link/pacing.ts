/**
 * Link-rate pacing: emit items (orbit batches or framed packets) on the LHC orbit clock or at a
 * configured Gb/s per link. The source never waits for the consumer: a bounded queue sits between
 * them and, when the consumer lags, overflow is counted as dropped orbits (as a DAQ would report
 * it). Every item carries its *scheduled* send time, so latency measured from it has no
 * coordinated omission (a late sender does not hide queueing delay).
 */
import { Observable } from "rxjs";
import { ORBIT_HZ } from "../events/batch.js";

export type LinkRate = { kind: "lhc" } | { kind: "gbps"; gbps: number };

/** Parse "lhc", "10gbps", "2.5gbps" or a bare number of Gb/s. */
export function parseRate(text: string): LinkRate {
  const t = text.trim().toLowerCase();
  if (t === "lhc") return { kind: "lhc" };
  const m = /^(\d+(?:\.\d+)?)\s*(gbps|g)?$/.exec(t);
  const gbps = m ? Number(m[1]) : NaN;
  if (!(gbps > 0) || gbps > 10_000) throw new RangeError(`rate must be "lhc" or a positive Gb/s like "10gbps", got "${text}"`);
  return { kind: "gbps", gbps };
}

/** Seconds one item occupies the link: one orbit period, or its bits at the line rate. */
export function itemPeriodSeconds(rate: LinkRate, bytes: number): number {
  return rate.kind === "lhc" ? 1 / ORBIT_HZ : (bytes * 8) / (rate.gbps * 1e9);
}

export interface Scheduled<T> {
  item: T;
  seq: number;
  /** Scheduled send time in ms on the pacer's clock (performance.now() by default). */
  scheduledMs: number;
}

export interface PacingOptions<T> {
  rate: LinkRate;
  /** Bytes of an item on the link (needed for a Gb/s rate). */
  bytesOf?: (item: T) => number;
  /** Items the consumer may have waiting before new ones are dropped (default 16). */
  queueLimit?: number;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
}

export interface PacingReport {
  offered: number;
  delivered: number;
  dropped: number;
  maxQueue: number;
  elapsedMs: number;
  /** Offered items per second over the run. */
  offeredHz: number;
  /** Completion time minus scheduled time, ms (includes queueing). */
  latencyMs: { p50: number; p99: number; max: number };
  /** Seq numbers of the first dropped items (up to 100). */
  firstDropped: number[];
}

function sleepUntil(now: () => number, t: number): Promise<void> {
  const dt = t - now();
  if (dt > 2) return new Promise((res) => setTimeout(res, dt - 1)); // timers are ~1 ms coarse
  return new Promise((res) => setImmediate(res)); // close: yield to the consumer, then re-check
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Offer each item of `source` at its scheduled time to `consumer` through a bounded receive
 * buffer; resolves when every item was offered and every buffered item consumed.
 *
 * One loop, no timers racing each other: before the consumer takes an item, every item whose
 * scheduled time has passed enters the buffer, or is dropped when it finds the buffer full. While
 * the consumer works on an item nobody drains the buffer, so deciding at the next take is exact:
 * an item is dropped iff the buffer was full at its scheduled time. Lateness of any kind — a slow
 * consumer, a slow source iterator, a blocked event loop — therefore shows as drops, never as a
 * quietly slower offered rate; latency is completion time minus scheduled time.
 */
export async function paceInto<T>(
  source: Iterable<T>,
  consumer: (s: Scheduled<T>) => void | Promise<void>,
  options: PacingOptions<T>,
): Promise<PacingReport> {
  const now = options.now ?? (() => performance.now());
  const limit = options.queueLimit ?? 16;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("queueLimit must be an integer >= 1");
  if (options.rate.kind === "gbps" && !options.bytesOf) throw new Error("a Gb/s rate needs bytesOf(item)");
  const periodMs = (item: T) => 1000 * itemPeriodSeconds(options.rate, options.bytesOf ? options.bytesOf(item) : 0);
  const buffer: Scheduled<T>[] = [];
  let head = 0; // buffer[head..] wait (compacted now and then)
  const latencies: number[] = [];
  const report: PacingReport = {
    offered: 0, delivered: 0, dropped: 0, maxQueue: 0, elapsedMs: 0, offeredHz: 0,
    latencyMs: { p50: 0, p99: 0, max: 0 }, firstDropped: [],
  };
  const it = source[Symbol.iterator]();
  let next = it.next(); // the next item to arrive, due at time t
  const t0 = now();
  let t = t0;
  let seq = 0;

  /** Items due by now enter the buffer (or are dropped); `now` is read once, so a slow source shows next time. */
  const arrive = () => {
    const tNow = now();
    while (!next.done && t <= tNow) {
      const item = next.value;
      report.offered++;
      if (buffer.length - head >= limit) {
        report.dropped++;
        if (report.firstDropped.length < 100) report.firstDropped.push(seq);
      } else {
        buffer.push({ item, seq, scheduledMs: t });
        report.maxQueue = Math.max(report.maxQueue, buffer.length - head);
      }
      seq++;
      t += periodMs(item);
      next = it.next();
    }
  };

  for (;;) {
    arrive();
    if (head < buffer.length) {
      const s = buffer[head++];
      if (head > 1024 && head * 2 > buffer.length) (buffer.splice(0, head), (head = 0));
      await consumer(s);
      report.delivered++;
      latencies.push(now() - s.scheduledMs);
      continue;
    }
    if (next.done) break;
    await sleepUntil(now, t);
  }
  report.elapsedMs = now() - t0;
  report.offeredHz = report.elapsedMs > 0 ? (report.offered * 1000) / report.elapsedMs : 0;
  latencies.sort((x, y) => x - y);
  report.latencyMs = { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? 0 };
  return report;
}

/**
 * The same schedule as an Observable: emits `Scheduled<T>` at each item's send time (bursting to
 * catch up if the event loop was busy; the scheduled times stay exact). No queue: pair it with
 * `paceInto` or a bounded operator downstream when drops must be counted.
 *
 * ```ts
 * pacedObservable(generateOrbits({ seed: 1, orbits: 100 }), { rate: { kind: "lhc" } })
 *   .subscribe(({ item, scheduledMs }) => handle(item, scheduledMs));
 * ```
 */
export function pacedObservable<T>(source: Iterable<T>, options: PacingOptions<T>): Observable<Scheduled<T>> {
  return new Observable<Scheduled<T>>((subscriber) => {
    const now = options.now ?? (() => performance.now());
    let stopped = false;
    (async () => {
      let t = now();
      let seq = 0;
      for (const item of source) {
        while (!stopped && now() < t) await sleepUntil(now, t);
        if (stopped) return;
        subscriber.next({ item, seq: seq++, scheduledMs: t });
        t += 1000 * itemPeriodSeconds(options.rate, options.bytesOf ? options.bytesOf(item) : 0);
      }
      subscriber.complete();
    })().catch((err) => subscriber.error(err));
    return () => {
      stopped = true;
    };
  });
}
