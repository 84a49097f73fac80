/**
 * Orbits from link captures: a raw DMA file (`.raw`, concatenated scouting packets as SCDAQ's
 * file input replays them) or an EMP/APx pattern file (8 channels carrying the DMA words). The
 * bytes are deframed here, synchronously and in bounded chunks (the pipeline pulls orbits one by
 * one), and the muon and calo streams of each orbit are merged by BX. The capture's link faults
 * are counted and reported like the link stage's.
 *
 * Header mode: a capture written by scoutloop carries its marker in orbit header word 1; one from
 * SCDAQ hardware carries only the orbit number (docs/link-format.md §8b), and then also no stream
 * id: the stream is the one whose checks the first orbits pass (the muon stream repeats the orbit
 * number in every BX block, calo does not), unless `stream` says it.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import type { OrbitBatch } from "../events/batch.js";
import { Deframer, type DeframedOrbit, type DeframerOptions } from "../link/deframer.js";
import { parsePattern, patternToDma } from "../link/emp.js";
import { FAULT_KINDS, type LinkStream, ORBIT_MARKER, BEEFDEAD, TOLERATED_FAULTS } from "../link/format.js";
import { wholeOrbit } from "../link/merge.js";
import { FileFormatError } from "./errors.js";

/** Pattern files are text and read whole; bound them. */
export const MAX_PATTERN_FILE_BYTES = 512 * 1024 * 1024;
/** Orbits waiting for their other stream before they are emitted with what they have. */
const MAX_PENDING_ORBITS = 64;
const CHUNK_BYTES = 1 << 20;

export interface CaptureSource {
  orbits: Iterable<OrbitBatch>;
  /** Streams seen at the start of the capture (what it carries: muons, calo objects and sums). */
  streams: ReadonlySet<LinkStream>;
  /** How the headers are read (detected or given). */
  mode: { header: "scoutloop" | "scdaq"; stream?: LinkStream };
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

/** How the orbit headers of a capture are read: detected from its first bytes, or given. */
export type HeaderMode = "auto" | "scoutloop" | "scdaq";

export interface CaptureOptions {
  /** Default "auto". */
  header?: HeaderMode;
  /** Stream of an SCDAQ-header capture (detected when absent). */
  stream?: LinkStream;
}

/** The deframer settings a capture needs, decided from its first bytes. */
export function detectCapture(sample: Uint8Array, opts: CaptureOptions = {}): { header: "scoutloop" | "scdaq"; stream?: LinkStream } {
  let header = opts.header ?? "auto";
  if (header === "auto") header = looksLikeScdaq(sample) ? "scdaq" : "scoutloop";
  if (header === "scoutloop") return { header };
  if (opts.stream) return { header, stream: opts.stream };
  return { header, stream: guessScdaqStream(sample) };
}

/**
 * SCDAQ headers: the sample holds an orbit trailer (0xBEEFDEAD × 8 at a frame boundary) but no
 * scoutloop orbit header (its marker in word 1 of a frame). Anything else — scoutloop captures,
 * and garbage, whose faults the scoutloop deframer then counts — is read with scoutloop headers.
 */
function looksLikeScdaq(sample: Uint8Array): boolean {
  const v = new DataView(sample.buffer, sample.byteOffset, sample.length);
  let trailer = false;
  for (let p = 0; p + 32 <= sample.length; p += 32) {
    if (v.getUint32(p + 4, true) === ORBIT_MARKER) return false;
    if (!trailer && v.getUint32(p, true) === BEEFDEAD) {
      trailer = true;
      for (let k = 1; k < 8; k++) if (v.getUint32(p + 4 * k, true) !== BEEFDEAD) trailer = false;
    }
  }
  return trailer;
}

/** The stream under which the sample deframes with fewer faults (muon checks are the stricter). */
function guessScdaqStream(sample: Uint8Array): LinkStream {
  const score = (stream: LinkStream) => {
    const d = new Deframer({ core: "native", header: "scdaq", stream, materialize: false });
    d.push(sample);
    d.end();
    const bx = d.stats.streams[stream].bx;
    let faults = 0;
    // Link words that disagree with the bitmap are what a calo capture read as muons shows (still
    // decoded, as CMSSW would); the other deviations CMSSW decodes through say nothing about the stream.
    for (const k of FAULT_KINDS) {
      if (k !== "truncated" && (k === "linkWordMismatch" || !(TOLERATED_FAULTS as readonly string[]).includes(k))) faults += d.stats.faults[k].count;
    }
    return { faults, bx };
  };
  const mu = score("muon");
  return mu.faults === 0 && mu.bx > 0 ? "muon" : "calo";
}

function deframerFor(mode: ReturnType<typeof detectCapture>): Deframer {
  return new Deframer({ core: "native", ...(mode as Pick<DeframerOptions, "header" | "stream">) });
}

function streamsIn(sample: Uint8Array, mode: ReturnType<typeof detectCapture>): Set<LinkStream> {
  // An SCDAQ capture is one stream; a scoutloop one holding both shows both source ids early on.
  if (mode.header === "scdaq") return new Set([mode.stream!]);
  const d = new Deframer({ core: "native" });
  const seen = new Set<LinkStream>();
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

/** The header mode of a capture file, from its first 4 MiB (or as given). */
export function detectCaptureFile(path: string, header: HeaderMode = "auto", stream?: LinkStream): ReturnType<typeof detectCapture> {
  const fd = openCapture(path);
  try {
    const head = new Uint8Array(Math.min(fstatSync(fd).size, 4 * CHUNK_BYTES));
    readSync(fd, head, 0, head.length, 0);
    return detectCapture(head, { header, stream });
  } finally {
    closeSync(fd);
  }
}

/** Open a capture for reading; a missing or unreadable file is a FileFormatError (exit 3 in the CLI). */
function openCapture(path: string): number {
  try {
    const fd = openSync(path, "r");
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new FileFormatError(path, "not a regular file");
    }
    return fd;
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileFormatError(path, code === "ENOENT" ? "no such file" : `cannot read file (${code ?? String(err)})`);
  }
}

/** A raw DMA capture, read in 1 MiB chunks. */
export function rawCaptureSource(path: string, opts: CaptureOptions = {}): CaptureSource {
  const fd = openCapture(path);
  let open = true;
  const size = fstatSync(fd).size;
  const head = new Uint8Array(Math.min(size, 4 * CHUNK_BYTES));
  readSync(fd, head, 0, head.length, 0);
  const mode = detectCapture(head, opts);
  const streams = streamsIn(head, mode);
  const deframer = deframerFor(mode);
  function* chunks(): Generator<Uint8Array> {
    for (let at = 0; at < size && open; at += CHUNK_BYTES) {
      const buf = new Uint8Array(Math.min(CHUNK_BYTES, size - at));
      const got = readSync(fd, buf, 0, buf.length, at);
      if (got <= 0) break;
      yield buf.subarray(0, got);
    }
  }
  return {
    mode,
    streams,
    orbits: mergeByOrbit(deframed(chunks, deframer), Math.max(1, streams.size)),
    faults: faultsOf(deframer),
    close: () => {
      if (open) (closeSync(fd), (open = false));
    },
  };
}

/** An EMP (v1/v2) or APx pattern file whose first 8 channels carry scouting DMA words. */
export function patternCaptureSource(path: string, opts: CaptureOptions = {}): CaptureSource {
  // Bounded before reading: the size comes from the file system, not from the bytes.
  const fd = openCapture(path);
  let bytes: Buffer;
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_PATTERN_FILE_BYTES) throw new FileFormatError(path, `pattern file larger than ${MAX_PATTERN_FILE_BYTES} bytes`);
    bytes = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  let dma: Uint8Array;
  try {
    dma = patternToDma(parsePattern(bytes.toString("utf8")));
  } catch (err) {
    throw new FileFormatError(path, (err as Error).message);
  }
  const head = dma.subarray(0, 4 * CHUNK_BYTES);
  const mode = detectCapture(head, opts);
  const deframer = deframerFor(mode);
  return {
    mode,
    streams: streamsIn(head, mode),
    orbits: mergeByOrbit(deframed(function* () { yield dma; }, deframer), Math.max(1, streamsIn(head, mode).size)),
    faults: faultsOf(deframer),
    close: () => {},
  };
}
