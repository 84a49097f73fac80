/**
 * A board (real or emulated, over ZeroMQ or serial) as a pipeline scorer: one orbit = one
 * `BoardClient.score` call (split by the client into requests of at most maxBatch events).
 * Every event comes back scored or failed with the client's reason ("timeout", "disconnected",
 * ...). Firmware latency (egress − ingress cycles, at the board clock from HELLO) and the host
 * round trip of each request are kept apart.
 */
import type { ScoreBatch } from "../../compare/results.js";
import { reasonCode } from "../../compare/results.js";
import { EVENT_STATUS_NAMES } from "../../hil/errors.js";
import type { BoardClient } from "../../hil/client.js";
import { parseFixed } from "../../scoring/fixed.js";
import { scoreValues, type OrbitScoreRequest, type Scorer } from "../scorer.js";

/** Our reason code for each client status code. */
const STATUS_TO_REASON = EVENT_STATUS_NAMES.map((name, code) => (code === 0 ? 0 : reasonCode(name)));

export function boardScorer(client: BoardClient, name = "board"): Scorer {
  const outputFormat = parseFixed(client.hello.outputFormat);
  return {
    name,
    async score(req: OrbitScoreRequest): Promise<ScoreBatch> {
      const r = await client.score({ n: req.n, orbit: req.orbit, bx: req.bx, features: req.inputs });
      const status = new Uint8Array(req.n);
      const firmwareCycles = new Float64Array(req.n);
      for (let i = 0; i < req.n; i++) {
        const s = r.status[i];
        status[i] = STATUS_TO_REASON[s] ?? reasonCode(`status-${s}`);
        firmwareCycles[i] = s === 0 ? r.egressCycle[i] - r.ingressCycle[i] : NaN;
      }
      const value = scoreValues(r.score, outputFormat);
      for (let i = 0; i < req.n; i++) if (status[i] !== 0) value[i] = NaN;
      const answered = r.requests.filter((q) => q.recvNs > 0n);
      const hostRttNs = Float64Array.from(answered, (q) => Number(q.recvNs - q.sendNs));
      return {
        scorer: name, orbit: req.orbit, n: req.n, bx: r.bx, status, value, raw: r.score, flags: r.flags,
        firmwareCycles, clockMHz: r.clockMHz, hostRttNs,
      };
    },
    close: () => client.close(),
  };
}
