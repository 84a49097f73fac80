/** Helpers for link fault/fuzz tests: build framed streams, mutate them, compare deframer runs. */
import { diffBatches } from "../../src/events/batch.js";
import {
  concatBytes, Deframer, frameOrbit, packetTrailer, FAULT_KINDS, type DeframedOrbit, type DeframerCore, type DeframerOptions, type LinkStream,
} from "../../src/link/index.js";
import { prng, randomBatch } from "./randomBatch.js";

/** `n` consecutive orbits (2n framed orbits: muon + calo) of small random batches, packet trailers every few orbits. */
export function buildStream(seed: number, n: number, opts: { maxBx?: number; crc?: boolean; first?: number } = {}): Uint8Array {
  const rnd = prng(seed);
  const parts: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const b = randomBatch(seed * 7919 + k, { orbit: (opts.first ?? 1) + k, maxBx: opts.maxBx ?? 3 });
    // Both streams of every orbit, in random order (as two links would interleave on one host).
    const order: LinkStream[] = rnd() < 0.5 ? ["muon", "calo"] : ["calo", "muon"];
    for (const stream of order) parts.push(frameOrbit(b, stream, { crc: opts.crc }));
    if (rnd() < 0.3) parts.push(packetTrailer({ autorealign: 0, dropped: 0, orbitCounter: k }));
  }
  return concatBytes(parts);
}

export type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "duplicate"; at: number; len: number; to: number }
  | { kind: "delete"; at: number; len: number }
  | { kind: "insert"; at: number; bytes: number[] };

/** Apply mutations; positions are taken modulo the current length so any number is valid. */
export function mutate(src: Uint8Array, muts: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const m of muts) {
    const n = b.length;
    if (n === 0) break;
    const at = m.at % n;
    switch (m.kind) {
      case "flip":
        b[at] ^= 1 << (m.bit & 7);
        break;
      case "truncate":
        b = b.slice(0, at);
        break;
      case "duplicate": {
        const piece = b.slice(at, Math.min(n, at + m.len));
        const to = m.to % (n + 1);
        b = concatBytes([b.subarray(0, to), piece, b.subarray(to)]);
        break;
      }
      case "delete":
        b = concatBytes([b.subarray(0, at), b.subarray(Math.min(n, at + m.len))]);
        break;
      case "insert":
        b = concatBytes([b.subarray(0, at), Uint8Array.from(m.bytes), b.subarray(at)]);
        break;
    }
  }
  return b;
}

/** Split `bytes` at the given cut sizes (cycled) and feed a deframer (extra options: e.g. SCDAQ header mode). */
export function runChunked(
  bytes: Uint8Array, core: "ts" | "native" | DeframerCore, cuts: readonly number[] = [], options: Omit<DeframerOptions, "core"> = {},
): { orbits: DeframedOrbit[]; d: Deframer } {
  const d = new Deframer({ ...options, core });
  const orbits: DeframedOrbit[] = [];
  let pos = 0, k = 0;
  while (pos < bytes.length) {
    const size = cuts.length ? Math.max(1, cuts[k++ % cuts.length]) : bytes.length;
    orbits.push(...d.push(bytes.subarray(pos, pos + size)));
    pos += size;
  }
  orbits.push(...d.end());
  return { orbits, d };
}

/** Every byte accounted for: consumed = input = good + trailers + Σ fault bytes. */
export function accountingError(d: Deframer, inputBytes: number): string | null {
  const s = d.stats;
  let faultBytes = 0;
  for (const k of FAULT_KINDS) faultBytes += s.faults[k].bytes;
  if (s.bytesConsumed !== inputBytes) return `consumed ${s.bytesConsumed} != input ${inputBytes}`;
  if (s.bytesGood + s.bytesTrailer + faultBytes !== s.bytesConsumed)
    return `good ${s.bytesGood} + trailer ${s.bytesTrailer} + faults ${faultBytes} != consumed ${s.bytesConsumed}`;
  return null;
}

/** First difference between two deframer runs (orbits, batches, stats, fault log), or null. */
export function diffRuns(a: { orbits: DeframedOrbit[]; d: Deframer }, b: { orbits: DeframedOrbit[]; d: Deframer }): string | null {
  if (a.orbits.length !== b.orbits.length) return `orbit count ${a.orbits.length} != ${b.orbits.length}`;
  for (let i = 0; i < a.orbits.length; i++) {
    const x = a.orbits[i], y = b.orbits[i];
    if (x.stream !== y.stream || x.orbit !== y.orbit || x.offset !== y.offset || x.bytes !== y.bytes)
      return `orbit #${i}: ${JSON.stringify({ ...x, batch: 0 })} != ${JSON.stringify({ ...y, batch: 0 })}`;
    if (x.batch && y.batch) {
      const d = diffBatches(x.batch, y.batch);
      if (d) return `orbit #${i}: ${d}`;
    }
  }
  const sa = JSON.stringify(a.d.stats), sb = JSON.stringify(b.d.stats);
  if (sa !== sb) return `stats differ:\n${sa}\n${sb}`;
  const fa = JSON.stringify(a.d.faultLog), fb = JSON.stringify(b.d.faultLog);
  if (fa !== fb) return "fault logs differ";
  return null;
}
