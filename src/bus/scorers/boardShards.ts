/**
 * Several boards behind one scorer: each orbit goes whole to one board — the up board with the
 * fewest orbits in flight (ties taken in turn), at most `perBoard` orbits in flight on each — and
 * comes back tagged with that board's name (ScoreBatch.unit), so the tally keeps every board's
 * share, failures, mismatches and latencies apart while the comparison stays software vs "board".
 *
 * ```
 * orbits:  --a--b--c--d--e-->        perBoard 1, two boards
 * board 1: --[==a==]--[==c==]--
 * board 2: -----[====b====]-[=d=]--
 * result:  a'(board 1) b'(board 2) c'(board 1) d'(board 2) ...
 * ```
 *
 * A board is taken out of the rotation when it goes down (its client gave up reconnecting, its
 * identity changed, it was closed) or when an orbit comes back with events failed for a reason
 * that says the board is not answering (timeout, disconnected, closed, board-changed, scorer
 * error); it gets orbits again only when no board is up. Failures that come *from* a live board
 * (board-error, bad-reply) are its own to report and do not take it out. With `failover`, an
 * orbit whose board was taken out while it was in flight is scored again, whole, on another up
 * board; the first board's partial answer for that orbit is discarded (counted as `handedOver` on
 * it) and the orbit counts for the board that answered it. Without `failover` (or with no other
 * board up) those events stay failed with the client's reason.
 */
import { REASON, failedBatch, reasonCode, type ScoreBatch } from "../../compare/results.js";
import type { OrbitScoreRequest, Scorer } from "../scorer.js";

export interface BoardShard {
  /** Unique name of this board in the run (summaries and results say it). */
  name: string;
  scorer: Scorer;
  /** Up and trusted now (BoardClient.usable). */
  usable(): boolean;
}

export interface ShardCounters {
  name: string;
  /** Orbits sent to this board (including ones handed over after it went down). */
  sent: number;
  /** Orbits this board took but could not finish (it went down): re-scored on another board. */
  handedOver: number;
  /** Events of those orbits. */
  handedOverEvents: number;
  /** The board went down during the run (reconnects exhausted, identity changed) or is down at its end. */
  lost: boolean;
}

export interface BoardShardsOptions {
  /** Scorer name in results (default "board"). */
  name?: string;
  /** Orbits in flight per board (≥ 1). */
  perBoard: number;
  /** Re-score an orbit on another board when its board went down in flight (default true). */
  failover?: boolean;
}

export interface BoardShardsScorer extends Scorer {
  counters(): ShardCounters[];
}

/** Reason for events of an orbit no board could take: every board was down. */
const NO_BOARD = "no-board-up";

interface Slot {
  shard: BoardShard;
  inFlight: number;
  counters: ShardCounters;
  /** Taken out of the rotation (not answering). */
  out: boolean;
}

/** Event failures that mean the board is not answering (reason names of hil/errors.ts and REASON). */
const NOT_ANSWERING = new Set(["timeout", "disconnected", "closed", "board-changed", "scorer-error"].map(reasonCode));

export function boardShardsScorer(shards: readonly BoardShard[], opts: BoardShardsOptions): BoardShardsScorer {
  if (shards.length === 0) throw new Error("board shards: no boards");
  const names = shards.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`board shards: names must differ (${names.join(", ")})`);
  const name = opts.name ?? "board";
  const perBoard = Math.max(1, Math.floor(opts.perBoard));
  const failover = opts.failover ?? true;
  const slots: Slot[] = shards.map((shard) => ({ shard, inFlight: 0, out: false, counters: { name: shard.name, sent: 0, handedOver: 0, handedOverEvents: 0, lost: false } }));
  const isUp = (s: Slot) => !s.out && s.shard.usable();
  const waiters: Array<() => void> = [];
  let turn = 0;

  /** Take a slot on the board for the next orbit among those not tried yet: up ones first, least loaded, in turn. */
  const choose = (tried: ReadonlySet<Slot>): Slot | "wait" | null => {
    const open = slots.filter((s) => !tried.has(s));
    if (open.length === 0) return null;
    const up = open.filter(isUp);
    // None up: the least recently failed client still tries one quick reconnect (or fails fast).
    const pool = up.length > 0 ? up : open;
    let best: Slot | null = null;
    for (let k = 0; k < slots.length; k++) {
      const s = slots[(turn + k) % slots.length];
      if (pool.includes(s) && (!best || s.inFlight < best.inFlight)) best = s;
    }
    if (best!.inFlight >= perBoard) return "wait";
    turn = (slots.indexOf(best!) + 1) % slots.length;
    // Taken here, in the same turn as the choice: another waiter must see it busy.
    best!.inFlight++;
    return best;
  };

  const slotFor = async (tried: ReadonlySet<Slot>): Promise<Slot | null> => {
    for (;;) {
      const s = choose(tried);
      if (s !== "wait") return s;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  const release = (s: Slot) => {
    s.inFlight--;
    for (const w of waiters.splice(0)) w();
  };

  const notAnswering = (r: ScoreBatch) => r.status.some((st) => NOT_ANSWERING.has(st));

  return {
    name,
    async score(req: OrbitScoreRequest): Promise<ScoreBatch> {
      const tried = new Set<Slot>();
      let last: { slot: Slot; result: ScoreBatch } | null = null;
      for (;;) {
        const slot = await slotFor(tried);
        if (!slot) break;
        tried.add(slot);
        slot.counters.sent++;
        let result: ScoreBatch;
        try {
          result = await slot.shard.scorer.score(req);
        } catch {
          result = failedBatch(name, req.orbit, req.bx, REASON.scorerError);
        } finally {
          release(slot);
        }
        result.scorer = name;
        result.unit = slot.shard.name;
        if (!slot.shard.usable() || notAnswering(result)) slot.out = slot.counters.lost = true;
        const otherUp = slots.some((s) => !tried.has(s) && isUp(s));
        if (!failover || !slot.out || !notAnswering(result) || !otherUp) return result;
        slot.counters.handedOver++;
        slot.counters.handedOverEvents += req.n;
        last = { slot, result };
      }
      // Every board was tried: the last answer stands (its failures carry the reasons).
      return last?.result ?? failedBatch(name, req.orbit, req.bx, reasonCode(NO_BOARD));
    },
    counters: () => slots.map((s) => ({ ...s.counters, lost: s.counters.lost || !isUp(s) })),
    async close() {
      for (const w of waiters.splice(0)) w();
      await Promise.all(slots.map((s) => s.shard.scorer.close?.()));
    },
  };
}
