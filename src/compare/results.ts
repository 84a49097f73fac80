/**
 * What a scorer hands back for one orbit: columnar, one entry per event (stored BX), never one
 * object per event. Software models and boards produce the same shape so the comparator does not
 * care where a score came from.
 */

/** Per-event status: 0 = scored, otherwise a failure reason code from `reasonCode`. */
export const SCORED = 0;

const reasonNames: string[] = ["scored"];
const reasonIndex = new Map<string, number>([["scored", 0]]);

/**
 * The code of a failure reason, assigned on first use ("timeout", "dropped-orbit", ...).
 * Reasons are open-ended because boards and transports report their own; 255 distinct ones
 * are plenty, past that everything is lumped into "other".
 */
export function reasonCode(name: string): number {
  const known = reasonIndex.get(name);
  if (known !== undefined) return known;
  if (reasonNames.length >= 255) return reasonCode("other");
  const code = reasonNames.length;
  reasonNames.push(name);
  reasonIndex.set(name, code);
  return code;
}

export function reasonName(code: number): string {
  return reasonNames[code] ?? `reason-${code}`;
}

/** Reasons the pipeline itself produces (boards add their own). */
export const REASON = {
  droppedOrbit: reasonCode("dropped-orbit"),
  deframeLost: reasonCode("deframe-lost"),
  scorerError: reasonCode("scorer-error"),
} as const;

export interface ScoreBatch {
  /** Name of the scorer that produced it, e.g. "software" or "board". */
  scorer: string;
  orbit: number;
  /** Number of events. */
  n: number;
  /** BX of each event. */
  bx: Uint16Array;
  /** 0 = scored, else a failure reason code (see `reasonCode`). */
  status: Uint8Array;
  /** Score in physical units (what a threshold is applied to). NaN where not scored. */
  value: Float64Array;
  /** Raw fixed-point score bits, when the scorer is a fixed-point one. */
  raw?: Int32Array;
  /** Board flags per event (saturation/overflow bits), when the scorer reports them. */
  flags?: Uint8Array;
  /** Firmware latency per event in board clock cycles (egress − ingress), boards only. */
  firmwareCycles?: Float64Array;
  /** Board clock for converting cycles to ns. */
  clockMHz?: number;
  /** Host round trip of the request(s) carrying this orbit, ns (one entry per request). */
  hostRttNs?: Float64Array;
  /** Which of several boards (shards of one scorer) answered this orbit; the summary's per-board shares key on it. */
  unit?: string;
}

/** A batch in which every event failed for one reason (e.g. a dropped orbit). */
export function failedBatch(scorer: string, orbit: number, bx: Uint16Array, reason: number): ScoreBatch {
  const n = bx.length;
  return {
    scorer, orbit, n, bx,
    status: new Uint8Array(n).fill(reason),
    value: new Float64Array(n).fill(NaN),
  };
}

/** Per-reason counts, reused: countStatus runs once per orbit and scorer. */
const byCode = new Uint32Array(256);

/** Count of scored events and of failures by reason name. */
export function countStatus(batch: ScoreBatch): { scored: number; failed: Map<string, number> } {
  const failed = new Map<string, number>();
  const { status, n } = batch;
  let i = 0;
  while (i < n && status[i] === SCORED) i++;
  if (i === n) return { scored: n, failed }; // the common case: nothing failed
  byCode.fill(0);
  let scored = i;
  for (; i < n; i++) {
    const s = status[i];
    if (s === SCORED) scored++;
    else byCode[s]++;
  }
  for (let c = 1; c < 256; c++) if (byCode[c] > 0) failed.set(reasonName(c), byCode[c]);
  return { scored, failed };
}
