/**
 * pullSource: emits the next item of an iterable only when downstream has granted credit.
 *
 * ```
 * credits:  3-------1---1-------1--|
 * source:   abc-----d---e-------f--|   (window 3: a slow stage throttles the source)
 * ```
 *
 * This is pull mode's backpressure: the pipeline's last stage calls `demand.release()` for every
 * orbit it finishes, so at most `window` orbits are ever in flight and nothing is buffered or
 * dropped. Emission is a drain loop, not recursion, so a fully synchronous pipeline does not grow
 * the stack; it yields to the event loop every `yieldEvery` items so timers and I/O still run.
 */
import { Observable } from "rxjs";

export class Demand {
  /** @internal set by the subscribed source */
  grant: (n: number) => void = () => {};
  /** Allow `n` more items out of the source. */
  release(n = 1): void {
    this.grant(n);
  }
}

export interface PullSourceOptions {
  /** Items allowed in flight before the first release. */
  window: number;
  /** Yield to the event loop after this many items in one go. */
  yieldEvery?: number;
}

/**
 * @param items the source (e.g. `generateOrbits(...)`); pulled lazily, one item per credit
 * @param demand the credit channel the sink releases into
 */
export function pullSource<T>(items: Iterable<T>, demand: Demand, opts: PullSourceOptions): Observable<T> {
  const window = Math.max(1, Math.floor(opts.window));
  const yieldEvery = Math.max(1, opts.yieldEvery ?? 64);
  return new Observable<T>((subscriber) => {
    const it = items[Symbol.iterator]();
    let credits = window;
    let draining = false;
    let finished = false;
    let pendingYield: NodeJS.Immediate | undefined;

    const finish = () => {
      finished = true;
      it.return?.();
    };
    const drain = () => {
      if (draining || finished || pendingYield) return;
      draining = true;
      try {
        let burst = 0;
        while (credits > 0 && !finished && !subscriber.closed) {
          if (burst++ >= yieldEvery) {
            pendingYield = setImmediate(() => {
              pendingYield = undefined;
              drain();
            });
            break;
          }
          credits--;
          const r = it.next();
          if (r.done) {
            finished = true;
            subscriber.complete();
            break;
          }
          subscriber.next(r.value);
        }
      } catch (err) {
        finished = true;
        subscriber.error(err);
      } finally {
        draining = false;
      }
    };
    demand.grant = (n: number) => {
      credits += n;
      drain();
    };
    drain();
    return () => {
      if (pendingYield) clearImmediate(pendingYield);
      demand.grant = () => {};
      if (!finished) finish();
    };
  });
}
