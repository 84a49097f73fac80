/**
 * Orbits from link captures: a raw DMA file (`.raw`, concatenated scouting packets as SCDAQ's
 * file input replays them) or an EMP/APx pattern file (8 channels carrying the DMA words). The
 * bytes are deframed here, synchronously and in bounded chunks (the pipeline pulls orbits one by
 * one), and the muon and calo streams of each orbit are merged by BX. The capture's link faults
 * are counted and reported like the link stage's.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import type { OrbitBatch } from "../events/batch.js";
import { Deframer, FAULT_KINDS, parsePattern, patternToDma, wholeOrbit, type DeframedOrbit } from "../link/index.js";

/** Pattern files are text and read whole; bound them. */
export const MAX_PATTERN_FILE_BYTES = 512 * 1024 * 1024;
/** Orbits waiting for their other stream before they are emitted with what they have. */
const MAX_PENDING_ORBITS = 64;
const CHUNK_BYTES = 1 << 20;

export interface CaptureSource {
  orbits: Iterable<OrbitBatch>;
  /** Streams seen at the start of the capture (what it carries: muons, calo objects and sums). */
  streams: ReadonlySet<"muon" | "calo">;
  /** Link faults counted so far, by kind (complete once `orbits` is exhausted). */
  faults(): Record<string, number>;
  close(): void;
}

/** Merge per-stream orbits into whole orbits, in orbit order. */
function* mergeByOrbit(orbits: Iterable<DeframedOrbit>, streams: number): Generator<OrbitBatch> {
  const pending = new Map<number, { muon: OrbitBatch | null; calo: OrbitBatch | null; seen: number }>();
  const flushOldest = function* (): Generator<OrbitBatch> {
    const oldest = Math.min(...pending.keys());
    const p = pending.get(oldest)!;
    pending.delete(oldest);
    yield wholeOrbit(p.muon, p.calo)!; // pending entries hold at least one half
  };
  for (const o of orbits) {
    if (!o.batch) continue;
    let p = pending.get(o.orbit);
    if (!p) pending.set(o.orbit, (p = { muon: null, calo: null, seen: 0 }));
    p[o.stream] = o.batch;
    p.seen++;
    if (p.seen >= streams) {
      // Older orbits still missing a stream will not get it now: emit them first.
      for (const k of [...pending.keys()].sort((a, b) => a - b)) {
        if (k > o.orbit) break;
        const q = pending.get(k)!;
        pending.delete(k);
        yield wholeOrbit(q.muon, q.calo)!;
      }
    }
    while (pending.size > MAX_PENDING_ORBITS) yield* flushOldest();
  }
  while (pending.size > 0) yield* flushOldest();
}

function streamsIn(sample: Uint8Array): Set<"muon" | "calo"> {
  // A capture holding both streams shows both source ids early on; one stream otherwise.
  const d = new Deframer({ core: "native" });
  const seen = new Set<"muon" | "calo">();
  for (const o of [...d.push(sample), ...d.end()]) seen.add(o.stream);
  return seen;
}

function deframed(chunks: () => Generator<Uint8Array>, deframer: Deframer): Generator<DeframedOrbit> {
  return (function* () {
    for (const c of chunks()) yield* deframer.push(c);
    yield* deframer.end();
  })();
}

function faultsOf(d: Deframer): () => Record<string, number> {
  return () => {
    const out: Record<string, number> = {};
    for (const k of FAULT_KINDS) if (d.stats.faults[k].count > 0) out[k] = d.stats.faults[k].count;
    return out;
  };
}

/** A raw DMA capture, read in 1 MiB chunks. */
export function rawCaptureSource(path: string): CaptureSource {
  const fd = openSync(path, "r");
  let open = true;
  const size = fstatSync(fd).size;
  const head = new Uint8Array(Math.min(size, 4 * CHUNK_BYTES));
  readSync(fd, head, 0, head.length, 0);
  const streams = streamsIn(head);
  const deframer = new Deframer({ core: "native" });
  function* chunks(): Generator<Uint8Array> {
    for (let at = 0; at < size && open; at += CHUNK_BYTES) {
      const buf = new Uint8Array(Math.min(CHUNK_BYTES, size - at));
      const got = readSync(fd, buf, 0, buf.length, at);
      if (got <= 0) break;
      yield buf.subarray(0, got);
    }
  }
  return {
    orbits: mergeByOrbit(deframed(chunks, deframer), Math.max(1, streams.size)),
    streams,
    faults: faultsOf(deframer),
    close: () => {
      if (open) (closeSync(fd), (open = false));
    },
  };
}

/** An EMP (v1/v2) or APx pattern file whose first 8 channels carry scouting DMA words. */
export function patternCaptureSource(path: string): CaptureSource {
  const bytes = readFileSync(path);
  if (bytes.length > MAX_PATTERN_FILE_BYTES) throw new Error(`${path}: pattern file larger than ${MAX_PATTERN_FILE_BYTES} bytes`);
  let dma: Uint8Array;
  try {
    dma = patternToDma(parsePattern(bytes.toString("utf8")));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const deframer = new Deframer({ core: "native" });
  const streams = streamsIn(dma);
  return {
    orbits: mergeByOrbit(deframed(function* () { yield dma; }, deframer), Math.max(1, streams.size)),
    streams,
    faults: faultsOf(deframer),
    close: () => {},
  };
}
