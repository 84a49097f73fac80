/**
 * Fault injection for the board emulator, parsed from
 * `drop=0.01,delay=5ms,corrupt=0.001,reorder,disconnect-after=N,wrong-bits=0.0001` and driven by a
 * seeded generator so a failing run can be replayed exactly.
 *
 * - drop: probability that a reply is not sent (the request was processed and cached);
 * - delay: every reply waits this long (ms; "5ms", "0.5s" or a plain number of ms);
 * - corrupt: probability that one bit of a reply is flipped after its CRC was computed;
 * - reorder: replies are sent in swapped pairs;
 * - disconnect-after: after N SCORE requests the board goes away (socket/pty closed);
 * - wrong-bits: per-event probability that one bit of the score is flipped (CRC stays valid —
 *   the host can only catch it by comparing with the software model);
 * - flag-lies: per-event probability that the SATURATED flag is inverted (not marked as injected:
 *   a firmware bug only the flag comparison can catch);
 * - truncate: probability that a reply is cut to half its payload in transit (CRC fails);
 * - duplicate: probability that a reply is sent twice;
 * - wrong-seq: per-request probability that the reply carries another sequence id (valid CRC);
 * - wrong-bx: per-event probability that the reply echoes another BX;
 * - short-reply: per-request probability that the reply holds one event fewer than asked;
 * - error=CODE: every request's first answer is ERROR CODE (name or number, e.g. BUSY, 9);
 *   resent requests are answered normally.
 */

import { ERROR_CODE_NAMES, ErrorCode } from "./protocol.js";

export interface FaultSpec {
  drop: number;
  delayMs: number;
  corrupt: number;
  reorder: boolean;
  disconnectAfter: number;
  wrongBits: number;
  flagLies: number;
  truncate: number;
  duplicate: number;
  wrongSeq: number;
  wrongBx: number;
  shortReply: number;
  /** ERROR code for every request's first answer (0 = none). */
  errorCode: number;
}

export const NO_FAULTS: FaultSpec = { drop: 0, delayMs: 0, corrupt: 0, reorder: false, disconnectAfter: 0, wrongBits: 0, flagLies: 0,
  truncate: 0, duplicate: 0, wrongSeq: 0, wrongBx: 0, shortReply: 0, errorCode: 0,
};

export class FaultSpecError extends Error {
  override name = "FaultSpecError";
}

function probability(key: string, v: string | undefined): number {
  const p = Number(v);
  if (v === undefined || v.trim() === "" || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new FaultSpecError(`fault ${key} needs a probability in [0, 1], got ${JSON.stringify(v ?? "")}`);
  }
  return p;
}

function duration(key: string, v: string | undefined): number {
  const m = v === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s)?\s*$/.exec(v);
  if (!m) throw new FaultSpecError(`fault ${key} needs a duration such as 5ms or 0.2s, got ${JSON.stringify(v ?? "")}`);
  const scale = m[2] === "s" ? 1000 : m[2] === "us" ? 1e-3 : 1;
  const ms = Number(m[1]) * scale;
  if (ms > 60_000) throw new FaultSpecError(`fault ${key}: at most 60 s`);
  return ms;
}

type FaultKind = "probability" | "duration" | "flag" | "count" | "error";

/** Every fault key with its field and value kind, in the order specs are printed. */
const FAULT_KEYS: readonly { key: string; field: keyof FaultSpec; kind: FaultKind }[] = [
  { key: "drop", field: "drop", kind: "probability" },
  { key: "delay", field: "delayMs", kind: "duration" },
  { key: "corrupt", field: "corrupt", kind: "probability" },
  { key: "reorder", field: "reorder", kind: "flag" },
  { key: "disconnect-after", field: "disconnectAfter", kind: "count" },
  { key: "wrong-bits", field: "wrongBits", kind: "probability" },
  { key: "flag-lies", field: "flagLies", kind: "probability" },
  { key: "truncate", field: "truncate", kind: "probability" },
  { key: "duplicate", field: "duplicate", kind: "probability" },
  { key: "wrong-seq", field: "wrongSeq", kind: "probability" },
  { key: "wrong-bx", field: "wrongBx", kind: "probability" },
  { key: "short-reply", field: "shortReply", kind: "probability" },
  { key: "error", field: "errorCode", kind: "error" },
];

function errorCode(value: string | undefined): number {
  const v = (value ?? "").trim();
  const code = /^\d+$/.test(v) ? Number(v) : (ErrorCode as Record<string, number>)[v.toUpperCase()];
  if (!code || code > 0xffff) throw new FaultSpecError(`fault error needs an ERROR code name or number (${Object.keys(ErrorCode).join(", ")}), got ${JSON.stringify(value ?? "")}`);
  return code;
}

function count(key: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new FaultSpecError(`fault ${key} needs a positive integer, got ${JSON.stringify(value ?? "")}`);
  return n;
}

function parseValue(key: string, kind: FaultKind, value: string | undefined): number | boolean {
  switch (kind) {
    case "probability":
      return probability(key, value);
    case "duration":
      return duration(key, value);
    case "count":
      return count(key, value);
    case "error":
      return errorCode(value);
    case "flag":
      if (value !== undefined) throw new FaultSpecError(`fault ${key} takes no value`);
      return true;
  }
}

/** Parse a comma-separated fault list; unknown keys and bad values give one clear error. */
export function parseFaultSpec(spec: string): FaultSpec {
  const f: Record<string, number | boolean> = { ...NO_FAULTS };
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq).trim();
    const entry = FAULT_KEYS.find((k) => k.key === key);
    if (!entry) throw new FaultSpecError(`unknown fault "${key}" (known: ${FAULT_KEYS.map((k) => k.key).join(", ")})`);
    f[entry.field] = parseValue(key, entry.kind, eq < 0 ? undefined : part.slice(eq + 1));
  }
  return f as unknown as FaultSpec;
}

export function formatFaultSpec(f: FaultSpec): string {
  const parts: string[] = [];
  for (const { key, field, kind } of FAULT_KEYS) {
    const v = f[field];
    if (!v) continue;
    if (kind === "flag") parts.push(key);
    else if (kind === "duration") parts.push(`${key}=${v}ms`);
    else if (kind === "error") parts.push(`${key}=${ERROR_CODE_NAMES[v as number] ?? v}`);
    else parts.push(`${key}=${v}`);
  }
  return parts.join(",") || "none";
}

/** Small seeded PRNG (SplitMix32-style mixing of a Weyl sequence): uniform doubles in [0, 1). */
export class FaultRng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}
