/**
 * boundedMergeMap: like `mergeMap(project, concurrency)`, but the buffer of values waiting for a
 * free slot is bounded; a value that arrives when the buffer is full is dropped and counted,
 * never queued without limit. This is the link-rate stage boundary of DESIGN §1: the source does
 * not wait, a lagging stage overflows, and the overflow is reported as dropped orbits.
 *
 * ```ts
 * import { pacedObservable, boundedMergeMap } from "scoutloop";
 * const counters = { dropped: 0, maxQueue: 0, droppedSeq: [] as number[] };
 * pacedObservable(orbits, { rate: { kind: "lhc" } })
 *   .pipe(boundedMergeMap((s) => score(s.item), { queueLimit: 16, counters }))
 *   .subscribe(handle);
 * ```
 *
 * Marbles (concurrency 1, queueLimit 1; `project` takes 3 frames):
 * ```
 * source:  a-b-c-d-------|
 * result:  ---A--B--C----|   (b waits while a runs; c waits while b runs; d finds c waiting: dropped)
 * ```
 * With `onOverflow`, a dropped value is still counted and what `onOverflow` returns is emitted in
 * its place, as it arrives (the bus turns a dropped orbit into failed "dropped-orbit" results).
 */
import { Observable, from, type ObservableInput, type OperatorFunction, type Subscription } from "rxjs";

export interface DropCounters {
  dropped: number;
  maxQueue: number;
  /** Optional: receives the dropped values' `seq` when they have one (first 100). */
  droppedSeq?: number[];
}

export interface BoundedMergeMapOptions<T = unknown, R = unknown> {
  /** Values that may wait for a free slot before new ones are dropped (Infinity: never drop). */
  queueLimit: number;
  /** Inner observables running at once (default 1, i.e. a bounded concatMap). */
  concurrency?: number;
  counters?: DropCounters;
  /** What to emit for a dropped value; without it a dropped value emits nothing. */
  onOverflow?: (value: T) => R;
}

export function boundedMergeMap<T, R>(
  project: (value: T, index: number) => ObservableInput<R>,
  options: BoundedMergeMapOptions<T, R>,
): OperatorFunction<T, R> {
  const { queueLimit, onOverflow } = options;
  const concurrency = options.concurrency ?? 1;
  if (queueLimit !== Infinity && (!Number.isInteger(queueLimit) || queueLimit < 0)) {
    throw new RangeError("queueLimit must be an integer >= 0 or Infinity");
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError("concurrency must be an integer >= 1");
  const counters = options.counters ?? { dropped: 0, maxQueue: 0 };
  return (source) =>
    new Observable<R>((subscriber) => {
      // waiting[head..] wait for a slot (compacted now and then, so taking one is O(1)).
      const waiting: T[] = [];
      let head = 0;
      const inner = new Set<Subscription>();
      let active = 0;
      let index = 0;
      let sourceDone = false;
      let pumping = false;
      const queued = () => waiting.length - head;
      const take = (): T => {
        const v = waiting[head++];
        if (head > 1024 && head * 2 > waiting.length) (waiting.splice(0, head), (head = 0));
        return v;
      };
      const finishIfDone = () => {
        if (sourceDone && active === 0 && queued() === 0) subscriber.complete();
      };
      /**
       * Start waiting values while slots are free. A loop, never recursion: an inner that
       * completes synchronously calls pump() again, which returns at once (pumping) and lets this
       * loop take the next value, so the stack stays flat however many values wait.
       */
      const pump = () => {
        if (pumping) return;
        pumping = true;
        try {
          while (active < concurrency && queued() > 0 && !subscriber.closed) start(take());
        } finally {
          pumping = false;
        }
        finishIfDone();
      };
      const start = (value: T) => {
        active++;
        let input: ObservableInput<R>;
        try {
          input = project(value, index++);
        } catch (e) {
          subscriber.error(e);
          return;
        }
        // A synchronous inner completes inside subscribe(), before `sub` is assigned.
        let done = false;
        let sub: Subscription | undefined = undefined;
        sub = from(input).subscribe({
          next: (r) => subscriber.next(r),
          error: (e) => subscriber.error(e),
          complete: () => {
            done = true;
            active--;
            if (sub) inner.delete(sub);
            pump();
          },
        });
        if (!done && !sub.closed) inner.add(sub);
      };
      const outer = source.subscribe({
        next: (value) => {
          // Only a value with nobody ahead of it may take a free slot directly (order is kept).
          if (active < concurrency && queued() === 0) return start(value);
          if (queued() < queueLimit) {
            waiting.push(value);
            counters.maxQueue = Math.max(counters.maxQueue, queued());
            if (active < concurrency) pump();
            return;
          }
          counters.dropped++;
          const seq = (value as { seq?: unknown })?.seq;
          if (counters.droppedSeq && typeof seq === "number" && counters.droppedSeq.length < 100) counters.droppedSeq.push(seq);
          if (onOverflow) subscriber.next(onOverflow(value));
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          finishIfDone();
        },
      });
      return () => {
        outer.unsubscribe();
        for (const s of inner) s.unsubscribe();
        waiting.length = 0; // drop buffered values on teardown
        head = 0;
      };
    });
}
