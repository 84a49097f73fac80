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

/** Parse a comma-separated fault list; unknown keys and bad values give one clear error. */
export function parseFaultSpec(spec: string): FaultSpec {
  const f: FaultSpec = { ...NO_FAULTS };
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq).trim();
    const value = eq < 0 ? undefined : part.slice(eq + 1);
    switch (key) {
      case "drop":
        f.drop = probability(key, value);
        break;
      case "corrupt":
        f.corrupt = probability(key, value);
        break;
      case "wrong-bits":
        f.wrongBits = probability(key, value);
        break;
      case "flag-lies":
        f.flagLies = probability(key, value);
        break;
      case "truncate":
        f.truncate = probability(key, value);
        break;
      case "duplicate":
        f.duplicate = probability(key, value);
        break;
      case "wrong-seq":
        f.wrongSeq = probability(key, value);
        break;
      case "wrong-bx":
        f.wrongBx = probability(key, value);
        break;
      case "short-reply":
        f.shortReply = probability(key, value);
        break;
      case "error": {
        const v = (value ?? "").trim();
        const code = /^\d+$/.test(v) ? Number(v) : (ErrorCode as Record<string, number>)[v.toUpperCase()];
        if (!code || code > 0xffff) throw new FaultSpecError(`fault error needs an ERROR code name or number (${Object.keys(ErrorCode).join(", ")}), got ${JSON.stringify(value ?? "")}`);
        f.errorCode = code;
        break;
      }
      case "delay":
        f.delayMs = duration(key, value);
        break;
      case "reorder":
        if (value !== undefined) throw new FaultSpecError("fault reorder takes no value");
        f.reorder = true;
        break;
      case "disconnect-after": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new FaultSpecError(`fault disconnect-after needs a positive integer, got ${JSON.stringify(value ?? "")}`);
        f.disconnectAfter = n;
        break;
      }
      default:
        throw new FaultSpecError(`unknown fault "${key}" (known: drop, delay, corrupt, reorder, disconnect-after, wrong-bits, flag-lies, truncate, duplicate, wrong-seq, wrong-bx, short-reply, error)`);
    }
  }
  return f;
}

export function formatFaultSpec(f: FaultSpec): string {
  const parts: string[] = [];
  if (f.drop) parts.push(`drop=${f.drop}`);
  if (f.delayMs) parts.push(`delay=${f.delayMs}ms`);
  if (f.corrupt) parts.push(`corrupt=${f.corrupt}`);
  if (f.reorder) parts.push("reorder");
  if (f.disconnectAfter) parts.push(`disconnect-after=${f.disconnectAfter}`);
  if (f.wrongBits) parts.push(`wrong-bits=${f.wrongBits}`);
  if (f.flagLies) parts.push(`flag-lies=${f.flagLies}`);
  if (f.truncate) parts.push(`truncate=${f.truncate}`);
  if (f.duplicate) parts.push(`duplicate=${f.duplicate}`);
  if (f.wrongSeq) parts.push(`wrong-seq=${f.wrongSeq}`);
  if (f.wrongBx) parts.push(`wrong-bx=${f.wrongBx}`);
  if (f.shortReply) parts.push(`short-reply=${f.shortReply}`);
  if (f.errorCode) parts.push(`error=${ERROR_CODE_NAMES[f.errorCode] ?? f.errorCode}`);
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
