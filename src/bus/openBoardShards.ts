/**
 * Open several boards as one scorer (`run --board a.json --board b.json`): each board is opened as
 * on its own (its own client and session, HELLO checked against its profile and the model, its own
 * reconnects and fault handling), then put behind boardShardsScorer. After the run, `shares`
 * turns the tally's per-board books into the summary's `boards` section.
 */
import { cyclesToNs } from "../compare/latency.js";
import type { BoardShares } from "../compare/summary.js";
import { BackendSpecError, type BackendSpec, type OpenBackend } from "./backends.js";
import { openBackend, type BackendContext } from "./openBackend.js";
import { boardShardsScorer, type BoardShardsScorer } from "./scorers/boardShards.js";
import type { RunTally } from "./tally.js";
import type { UnitSource } from "./units.js";

type Opened = Awaited<ReturnType<typeof openBackend>>;

export interface OpenBoardShards extends OpenBackend {
  scorer: BoardShardsScorer;
  boards: Array<{ name: string; profile: string; address: string; backend: Opened }>;
  /** The summary's per-board section from the run's tally. */
  shares(t: RunTally): BoardShares;
  /** Live rows per board (dashboard): its share so far from the tally, and its client's counters. */
  units: UnitSource;
}

export interface BoardShardsContext extends BackendContext {
  perBoard: number;
  failover?: boolean;
}

function profileOf(spec: BackendSpec): string {
  return spec.kind === "board" ? spec.profile : spec.kind;
}

export async function openBoardShards(specs: BackendSpec[], ctx: BoardShardsContext): Promise<OpenBoardShards> {
  const boards: OpenBoardShards["boards"] = [];
  try {
    for (const spec of specs) {
      const backend = await openBackend(spec, { ...ctx, name: ctx.name });
      const base = backend.client?.profile.name || profileOf(spec);
      let name = base;
      for (let k = 2; boards.some((b) => b.name === name); k++) name = `${base}#${k}`;
      // Where it answered HELLO (the transport is gone once a board is down).
      const address = backend.client?.address ?? "";
      // One board given twice would score its orbits twice over one link and count as two boards.
      const twin = boards.find((b) => address && b.address === address);
      boards.push({ name, profile: profileOf(spec), address, backend });
      if (twin) throw new BackendSpecError(`--board ${profileOf(spec)} and --board ${twin.profile} are the same board (${address})`);
    }
  } catch (err) {
    for (const b of boards.reverse()) await b.backend.close().catch(() => {});
    throw err;
  }
  const scorer = boardShardsScorer(
    boards.map((b) => ({ name: b.name, scorer: b.backend.scorer, usable: () => b.backend.client?.usable ?? true })),
    { name: ctx.name, perBoard: ctx.perBoard, failover: ctx.failover },
  );
  return {
    scorer,
    boards,
    describe: `${boards.length} boards, whole orbits to the least loaded (≤ ${Math.max(1, ctx.perBoard)} in flight each${ctx.failover === false ? "" : ", an orbit whose board goes down is re-scored on another"})`,
    async close() {
      for (const b of [...boards].reverse()) await b.backend.close().catch(() => {});
    },
    units: (t: RunTally) =>
      boards.map((b) => {
        const u = t.units.get(b.name);
        const c = b.backend.client?.stats();
        return {
          kind: "board", name: b.name, orbits: u?.orbits ?? 0, events: u?.events ?? 0, scored: u?.scored ?? 0, mismatches: u?.mismatches ?? 0,
          ...(c ? { timeouts: c.timeouts, retries: c.retries, reconnects: c.reconnects, failedEvents: c.failedEvents } : {}),
          state: b.backend.client?.usable === false ? "down" : "up",
        };
      }),
    shares(t: RunTally): BoardShares {
      const counters = scorer.counters();
      return {
        scorer: ctx.name,
        policy: "least-loaded",
        perBoard: Math.max(1, ctx.perBoard),
        failover: ctx.failover ?? true,
        notSent: t.withoutUnit[ctx.name] ?? { orbits: 0, events: 0 },
        shares: boards.map((b, i) => {
          const u = t.units.get(b.name);
          const c = counters[i];
          const fw = u?.firmwareCycles.count ? u.firmwareCycles.summary() : null;
          const failedByReason = { ...(u?.failedByReason ?? {}) };
          return {
            name: b.name,
            profile: b.profile,
            address: b.address,
            describe: b.backend.describe,
            hello: { ...(b.backend.client?.hello ?? {}) },
            orbits: u?.orbits ?? 0,
            events: u?.events ?? 0,
            scored: u?.scored ?? 0,
            failed: Object.values(failedByReason).reduce((x, y) => x + y, 0),
            failedByReason,
            paired: u?.paired ?? 0,
            mismatches: u?.mismatches ?? 0,
            injectedMismatches: u?.injectedMismatches ?? 0,
            handedOver: { orbits: c.handedOver, events: c.handedOverEvents },
            lost: c.lost,
            faults: { ...(b.backend.client?.stats() ?? {}) },
            latency: {
              hostRtt: u?.hostRtt.count ? u.hostRtt.summary() : null,
              firmwareCycles: fw,
              firmwareNs: fw && u?.clockMHz ? cyclesToNs(fw, u.clockMHz) : null,
            },
          };
        }),
      };
    },
  };
}
