/**
 * boundedMergeMap: like `mergeMap(project, concurrency)`, but its waiting queue is bounded; an item
 * that finds it full is not queued but handed to `onOverflow`, and what that returns is emitted.
 *
 * ```
 * source:   a-b-c-d-e----|        concurrency 1, queue 1, project takes 6 frames
 * project:  a=====A b====B
 * result:   ------d'A-----B|      c queued, d overflows → onOverflow(d) = d', e overflows → e'
 * ```
 *
 * (marble simplified: e' is emitted as e arrives.) In pull mode the source's credit window keeps
 * the queue from ever filling (zero drops); in link-rate mode this is the stage's bounded buffer
 * and the overflow count is the dropped-orbit count. Results come out in completion order.
 */
import { Observable, from, type ObservableInput, type OperatorFunction, type Subscription } from "rxjs";

export interface BoundedMergeMapOptions<T, R> {
  /** Items processed at once (e.g. board requests in flight). */
  concurrency: number;
  /** Items waiting when all slots are busy; Infinity for an unbounded queue. */
  queue: number;
  /** What to emit for an item that did not fit. */
  onOverflow: (item: T) => R;
}

export function boundedMergeMap<T, R>(
  project: (item: T) => ObservableInput<R>,
  opts: BoundedMergeMapOptions<T, R>,
): OperatorFunction<T, R> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const limit = opts.queue === Infinity ? Infinity : Math.max(0, Math.floor(opts.queue));
  return (source) =>
    new Observable<R>((subscriber) => {
      const waiting: T[] = [];
      let active = 0;
      let sourceDone = false;
      const inner = new Set<Subscription>();

      const maybeComplete = () => {
        if (sourceDone && active === 0 && waiting.length === 0) subscriber.complete();
      };
      const start = (item: T) => {
        active++;
        let input: ObservableInput<R>;
        try {
          input = project(item);
        } catch (err) {
          subscriber.error(err);
          return;
        }
        // A synchronous inner completes inside subscribe(), before `sub` is assigned.
        let sub: Subscription | undefined = undefined;
        let finished = false;
        sub = from(input).subscribe({
          next: (r) => subscriber.next(r),
          error: (err) => subscriber.error(err),
          complete: () => {
            finished = true;
            if (sub) inner.delete(sub);
            active--;
            const next = waiting.shift();
            if (next !== undefined) start(next);
            else maybeComplete();
          },
        });
        if (!finished) inner.add(sub);
      };
      const outer = source.subscribe({
        next: (item) => {
          if (active < concurrency) start(item);
          else if (waiting.length < limit) waiting.push(item);
          else subscriber.next(opts.onOverflow(item));
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          maybeComplete();
        },
      });
      return () => {
        outer.unsubscribe();
        for (const s of inner) s.unsubscribe();
        inner.clear();
        waiting.length = 0;
      };
    });
}
