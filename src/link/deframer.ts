/**
 * Streaming deframer: raw DMA bytes (any chunking) → validated orbit batches + fault counts.
 *
 * The driver here is shared; the byte-level work is done by a core, either the TypeScript
 * reference (decodeTs.ts) or the native addon (native/link.cc). Decisions depend only on the bytes
 * of a complete structure, never on how the stream was chunked, so every chunking and both cores
 * give the same batches and the same counts.
 *
 * Byte accounting: every consumed byte is counted exactly once, as part of a good orbit, of a
 * packet trailer, or of one fault kind (`bytesConsumed === bytesGood + bytesTrailer + Σ fault bytes`).
 */
import { type OrbitBatch } from "../events/batch.js";
import { native } from "../native.js";
import { decodeAt as tsDecodeAt, findCandidate as tsFindCandidate, scanScdaq as tsScanScdaq } from "./decodeTs.js";
import {
  CODE_FAULT, DecodeCode, FAULT_KINDS, MAX_ORBIT_BYTES, DECODE_SLOT, TOLERATED_BIT, TOLERATED_FAULTS, WALK_SLOT, type FaultKind, type LinkStream,
} from "./format.js";
import { createResult, createScratch, createWalk, materialize, resetWalk, scratchView } from "./scratch.js";

/** Spare room of a new buffer store, at most: the largest span the deframer holds back (SCDAQ mode's search window). */
const STORE_ROOM = 2 * MAX_ORBIT_BYTES + 64;
/** A store larger than this (a huge chunk was joined) is not kept once little of it is in use. */
const STORE_KEPT = 4 * STORE_ROOM;

/** The byte-level half of the deframer. */
export interface DeframerCore {
  readonly name: "ts" | "native";
  findCandidate(buf: Uint8Array, from: number, end: number): number;
  /** `walk`: the stream's block-walk memory (format.ts WALK_SLOT), its origin set to buf[0]'s stream offset. */
  decodeAt(buf: Uint8Array, p: number, end: number, scratch: Int32Array, result: Float64Array, walk: Float64Array): void;
  /** findCandidate then, if found, decodeAt — one call (one native crossing per orbit). */
  next(buf: Uint8Array, from: number, end: number, scratch: Int32Array, result: Float64Array, walk: Float64Array): number;
  /** SCDAQ header mode: trailer-anchored scan and decode from `pos` (docs/link-format.md §8b). */
  scanScdaq(
    buf: Uint8Array, pos: number, end: number, atBoundary: boolean, sds: number, scratch: Int32Array, result: Float64Array, walk: Float64Array,
  ): void;
}

export const tsCore: DeframerCore = {
  name: "ts",
  findCandidate: tsFindCandidate,
  decodeAt: tsDecodeAt,
  next(buf, from, end, scratch, result, walk) {
    const p = tsFindCandidate(buf, from, end);
    if (p >= 0) tsDecodeAt(buf, p, end, scratch, result, walk);
    return p;
  },
  scanScdaq: tsScanScdaq,
};

let nativeCoreCache: DeframerCore | undefined;
/** The native core (loads the addon on first use). */
export function nativeCore(): DeframerCore {
  nativeCoreCache ??= {
    name: "native",
    findCandidate: (buf, from, end) => native.linkFindCandidate(buf, from, end),
    decodeAt: (buf, p, end, scratch, result, walk) => native.linkDecodeAt(buf, p, end, scratch, result, walk),
    next: (buf, from, end, scratch, result, walk) => native.linkNext(buf, from, end, scratch, result, walk),
    scanScdaq: (buf, pos, end, atBoundary, sds, scratch, result, walk) =>
      native.linkScanScdaq(buf, pos, end, atBoundary, sds, scratch, result, walk),
  };
  return nativeCoreCache;
}

export interface FaultRecord {
  kind: FaultKind;
  /** Absolute byte offset in the stream. */
  offset: number;
}

export interface StreamCounts {
  orbits: number;
  bx: number;
  muons: number;
  jets: number;
  egammas: number;
  taus: number;
  intermediateMuons: number;
  lostOrbits: number;
  lastOrbit: number; // -1 before the first
}

export interface DeframerStats {
  bytesConsumed: number;
  bytesGood: number;
  bytesTrailer: number;
  packets: number;
  faults: Record<FaultKind, { count: number; bytes: number }>;
  streams: Record<LinkStream, StreamCounts>;
  /** Last DMA packet-trailer counters seen. */
  hardware: { autorealign: number; dropped: number; orbitCounter: number };
}

export interface DeframedOrbit {
  stream: LinkStream;
  /** Null when the deframer runs with `materialize: false` (benchmarks). */
  batch: OrbitBatch | null;
  orbit: number;
  offset: number;
  bytes: number;
}

export interface DeframerOptions {
  /** Byte-level core: "native" (default, the fast path) or "ts" (the reference). */
  core?: "ts" | "native" | DeframerCore;
  /**
   * true (default): copy each orbit into its own OrbitBatch. false: no batch (counting only).
   * "view": zero-copy batch of views into the decoder's scratch area, valid only inside `onOrbit`.
   */
  materialize?: boolean | "view";
  /**
   * Called synchronously for each good orbit, before the next one is decoded. With
   * `materialize: "view"` it is the only way to see batches (push/end then return no orbits).
   */
  onOrbit?: (o: DeframedOrbit) => void;
  /** How many fault records (kind + offset) to keep; counts are always complete. Default 1000. */
  maxFaultRecords?: number;
  /**
   * "scoutloop" (default): orbit headers carry scoutloop's marker, SDS id and block count.
   * "scdaq": only header word 0 (the orbit) is trusted, as in captures from SCDAQ hardware; orbits
   * are anchored at their 0xBEEFDEAD trailer and `stream` says which stream the bytes are.
   */
  header?: "scoutloop" | "scdaq";
  /** The stream of the capture, required with `header: "scdaq"`. */
  stream?: LinkStream;
}

function emptyStream(): StreamCounts {
  return { orbits: 0, bx: 0, muons: 0, jets: 0, egammas: 0, taus: 0, intermediateMuons: 0, lostOrbits: 0, lastOrbit: -1 };
}

export function emptyStats(): DeframerStats {
  const faults = {} as DeframerStats["faults"];
  for (const k of FAULT_KINDS) faults[k] = { count: 0, bytes: 0 };
  return {
    bytesConsumed: 0, bytesGood: 0, bytesTrailer: 0, packets: 0, faults,
    streams: { muon: emptyStream(), calo: emptyStream() },
    hardware: { autorealign: 0, dropped: 0, orbitCounter: 0 },
  };
}

/**
 * Streaming deframer over one byte stream (both link streams may be interleaved in it).
 *
 * ```ts
 * import { Deframer, StreamMerger } from "scoutloop";
 * const d = new Deframer();                   // native core
 * const merger = new StreamMerger();
 * socket.on("data", (chunk) => {
 *   for (const o of d.push(chunk)) for (const batch of merger.push(o.stream, o.batch!)) handle(batch);
 * });
 * socket.on("end", () => { d.end(); merger.flush().forEach(handle); console.log(d.stats.faults); });
 * ```
 */
export class Deframer {
  readonly core: DeframerCore;
  readonly stats: DeframerStats = emptyStats();
  readonly faultLog: FaultRecord[] = [];
  private readonly scratch = createScratch();
  private readonly result = createResult();
  /** What the block walks of this stream already found (format.ts WALK_SLOT), in stream offsets. */
  private readonly walk = createWalk();
  private readonly doMaterialize: boolean | "view";
  private readonly onOrbit?: (o: DeframedOrbit) => void;
  private readonly bxView = new Uint16Array(3564);
  private readonly maxFaultRecords: number;
  /** Unparsed bytes: `buf[0]` is stream offset `base`. */
  private buf: Uint8Array = new Uint8Array(0);
  private base = 0;
  private copied = 0;
  /** The deframer's own buffer that `buf` lies in after a join (joinWaiting), or null. */
  private store: Uint8Array | null = null;
  /** Chunks waiting until `need` bytes are buffered (avoids re-concatenating per small chunk). */
  private waiting: Uint8Array[] = [];
  private waitingBytes = 0;
  private need = 0;
  /** While searching for the next structure: the kind the skipped bytes are charged to. */
  private searchKind: FaultKind | null = null;
  private ended = false;
  private readonly scdaqSds: number;

  constructor(options: DeframerOptions = {}) {
    const c = options.core ?? "native";
    this.core = c === "ts" ? tsCore : c === "native" ? nativeCore() : c;
    this.doMaterialize = options.materialize ?? true;
    this.onOrbit = options.onOrbit;
    if (this.doMaterialize === "view" && !this.onOrbit) throw new Error('materialize: "view" needs an onOrbit callback');
    this.maxFaultRecords = options.maxFaultRecords ?? 1000;
    if (options.header === "scdaq") {
      if (options.stream !== "muon" && options.stream !== "calo") throw new Error('header "scdaq" needs stream: "muon" or "calo"');
      this.scdaqSds = options.stream === "muon" ? 1 : 2;
    } else this.scdaqSds = 0;
  }

  /** Forget all stream state and counts (keeps the scratch area): a fresh deframer, cheaply. */
  reset(): void {
    Object.assign(this.stats, emptyStats());
    this.faultLog.length = 0;
    this.buf = new Uint8Array(0);
    this.base = 0;
    this.copied = 0;
    this.store = null;
    this.waiting = [];
    this.waitingBytes = 0;
    this.need = 0;
    this.searchKind = null;
    this.ended = false;
    resetWalk(this.walk);
  }

  /**
   * Block-boundary frames the orbit-header checks examined so far (a work count, linear in the
   * bytes pushed on any input; test/link-resync-linear.test.ts, bench/deframer.ts).
   */
  get blockWalkFrames(): number {
    return this.walk[WALK_SLOT.frames];
  }

  /** SCDAQ header mode: positions the orbit-trailer search examined so far (a work count, like blockWalkFrames). */
  get trailerScanPositions(): number {
    return this.walk[WALK_SLOT.scanned];
  }

  /** Bytes copied between buffers so far (joining held-back chunks, keeping a tail): a work count. */
  get bytesCopied(): number {
    return this.copied;
  }

  /** Feed the next bytes of the stream; returns the orbits completed by them. */
  push(chunk: Uint8Array): DeframedOrbit[] {
    if (this.ended) throw new Error("Deframer.push after end()");
    if (chunk.length === 0) return [];
    if (this.need > 0 && this.buf.length + this.waitingBytes + chunk.length < this.need) {
      this.waiting.push(chunk);
      this.waitingBytes += chunk.length;
      return [];
    }
    if (this.buf.length === 0 && this.waiting.length === 0) this.buf = chunk; // zero-copy fast path
    else this.joinWaiting(chunk);
    this.need = 0;
    return this.run(false);
  }

  /** The stream is over: whatever is left is charged to faults. */
  end(): DeframedOrbit[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.waiting.length > 0) this.joinWaiting();
    this.need = 0;
    return this.run(true);
  }

  /**
   * Unparsed bytes, the chunks held back while too short, and `chunk` become one buffer. It is the
   * deframer's own store (never a caller's chunk) with room to spare, and later chunks are
   * appended into that room: held bytes are not copied again per piece, so a long structure still
   * pending while the stream trickles in costs O(bytes) copies, not O(held) per chunk.
   */
  private joinWaiting(chunk?: Uint8Array): void {
    const parts = chunk ? [...this.waiting, chunk] : this.waiting;
    let extra = 0;
    for (const c of parts) extra += c.length;
    const held = this.buf;
    const total = held.length + extra;
    let s = this.store;
    // Where `held` starts in the store (-1: not there). It is always a suffix of what was last
    // joined, so its end is the store's used end and the room behind it is free; nothing held
    // leaves the whole store free.
    const start = !s ? -1 : held.length === 0 ? 0 : held.buffer === s.buffer ? held.byteOffset - s.byteOffset : -1;
    if (s && start >= 0 && start + total <= s.length) {
      this.appendInto(s, start + held.length, parts);
      this.buf = s.subarray(start, start + total);
      this.copied += extra;
    } else {
      // Move to the front of the store when that leaves it at least half free (so the next move is
      // paid for by as many appended bytes), else a new store with room for as much again (at most
      // the largest span the deframer holds back): amortised O(1) copies per byte either way.
      if (!s || total * 2 > s.length) {
        this.store = s = new Uint8Array(total + Math.min(total, STORE_ROOM));
        s.set(held, 0);
      } else if (start >= 0) s.copyWithin(0, start, start + held.length);
      else s.set(held, 0);
      this.appendInto(s, held.length, parts);
      this.buf = s.subarray(0, total);
      this.copied += total;
    }
    this.waiting = [];
    this.waitingBytes = 0;
  }

  private appendInto(s: Uint8Array, at: number, parts: readonly Uint8Array[]): void {
    for (const c of parts) {
      s.set(c, at);
      at += c.length;
    }
  }

  private fault(kind: FaultKind, offset: number): void {
    this.stats.faults[kind].count++;
    if (this.faultLog.length < this.maxFaultRecords) this.faultLog.push({ kind, offset });
  }

  private charge(kind: FaultKind, bytes: number): void {
    this.stats.faults[kind].bytes += bytes;
    this.stats.bytesConsumed += bytes;
  }

  /** Skip [from, to) while searching; the bytes go to the current search kind. */
  private skip(from: number, to: number): void {
    if (to <= from) return;
    if (this.searchKind === null) {
      this.searchKind = "garbage";
      this.fault("garbage", this.base + from);
    }
    this.charge(this.searchKind, to - from);
  }

  private run(final: boolean): DeframedOrbit[] {
    this.walk[WALK_SLOT.origin] = this.base;
    if (this.scdaqSds) return this.runScdaq(final);
    const out: DeframedOrbit[] = [];
    const b = this.buf;
    const end = b.length;
    const r = this.result;
    let pos = 0;
    for (;;) {
      const p = this.core.next(b, pos, end, this.scratch, r, this.walk);
      if (p < 0) {
        const stop = final ? end : Math.max(pos, end - 7);
        this.skip(pos, stop);
        pos = stop;
        break;
      }
      // A packet trailer counts only where a structure ends (right after an orbit or another
      // trailer): inside a search, 0xDEADBEEF pairs also appear 2 bytes into an orbit trailer.
      const atBoundary = this.searchKind === null && p === pos;
      this.skip(pos, p);
      const code = r[DECODE_SLOT.code] as DecodeCode;
      if (code === DecodeCode.NeedMore) {
        if (!final) {
          this.need = Math.min(r[DECODE_SLOT.need], MAX_ORBIT_BYTES);
          pos = p;
          break;
        }
        // The stream ended inside this structure: charge one byte and look further on.
        this.fault("truncated", this.base + p);
        this.searchKind = "truncated";
        this.charge("truncated", 1);
        pos = p + 1;
        continue;
      }
      if (code === DecodeCode.PacketTrailer && !atBoundary) {
        this.skip(p, p + 1);
        pos = p + 1;
        continue;
      }
      if (code === DecodeCode.PacketTrailer) {
        this.packetTrailer();
        pos = p + r[DECODE_SLOT.length];
        continue;
      }
      if (code === DecodeCode.OrbitOk) {
        pos = p + r[DECODE_SLOT.length];
        this.accept(p, out);
        continue;
      }
      const kind = CODE_FAULT[code] ?? "badHeader";
      this.fault(kind, this.base + p);
      const len = r[DECODE_SLOT.length];
      if (len > 0) {
        // Structure intact (trailer where expected): skip it whole; the next one should follow.
        this.charge(kind, len);
        this.searchKind = null;
        pos = p + len;
      } else {
        // Length unknown: charge one byte and rescan; bytes until the next candidate go to this fault.
        this.charge(kind, 1);
        this.searchKind = kind;
        pos = p + 1;
      }
    }
    this.keepFrom(b, pos);
    return out;
  }

  /** Drop the consumed bytes [0, pos) of `b`. */
  private keepFrom(b: Uint8Array, pos: number): void {
    this.base += pos;
    this.buf = pos >= b.length ? new Uint8Array(0) : b.subarray(pos);
    // Keep the tail in its own copy only if it is small relative to the chunk (or store) it pins:
    // the front of our store when that is not oversized, else a copy of its own (an oversized
    // store is let go; the next join makes one to fit).
    if (this.buf.length === 0 || this.buf.length * 4 >= b.buffer.byteLength) return;
    const s = this.store;
    if (s && s.buffer === b.buffer && s.length <= STORE_KEPT) {
      const from = this.buf.byteOffset - s.byteOffset;
      s.copyWithin(0, from, from + this.buf.length);
      this.buf = s.subarray(0, this.buf.length);
    } else {
      this.buf = this.buf.slice();
      if (s && s.buffer === b.buffer) this.store = null;
    }
    this.copied += this.buf.length;
  }

  private packetTrailer(): void {
    const r = this.result;
    this.stats.packets++;
    this.stats.bytesTrailer += r[DECODE_SLOT.length];
    this.stats.bytesConsumed += r[DECODE_SLOT.length];
    this.stats.hardware = { autorealign: r[DECODE_SLOT.autorealign], dropped: r[DECODE_SLOT.dropped], orbitCounter: r[DECODE_SLOT.orbitCounter] };
    this.searchKind = null;
  }

  /** A structurally good orbit at `p` (decoded in the scratch area): continuity, counts, output. */
  private accept(p: number, out: DeframedOrbit[]): void {
    const r = this.result;
    const len = r[DECODE_SLOT.length];
    const stream: LinkStream = r[DECODE_SLOT.sds] === 1 ? "muon" : "calo";
    const sc = this.stats.streams[stream];
    const orbit = r[DECODE_SLOT.orbit];
    this.searchKind = null;
    if (sc.lastOrbit >= 0 && orbit <= sc.lastOrbit) {
      this.fault("orbitOrder", this.base + p);
      this.charge("orbitOrder", len);
      return;
    }
    if (sc.lastOrbit >= 0 && orbit > sc.lastOrbit + 1) {
      this.fault("orbitGap", this.base + p);
      sc.lostOrbits += orbit - sc.lastOrbit - 1;
    }
    // Deviations CMSSW decodes through: the orbit is kept, each one is counted (bytes stay good).
    const tolerated = r[DECODE_SLOT.tolerated];
    if (tolerated) for (const k of TOLERATED_FAULTS) if (tolerated & TOLERATED_BIT[k]) this.fault(k, this.base + p);
    sc.lastOrbit = orbit;
    sc.orbits++;
    sc.bx += r[DECODE_SLOT.nBx];
    sc.muons += r[DECODE_SLOT.nMuon];
    sc.jets += r[DECODE_SLOT.nJet];
    sc.egammas += r[DECODE_SLOT.nEgamma];
    sc.taus += r[DECODE_SLOT.nTau];
    sc.intermediateMuons += r[DECODE_SLOT.intermediate];
    this.stats.bytesGood += len;
    this.stats.bytesConsumed += len;
    if (this.doMaterialize === "view") {
      this.onOrbit!({ stream, orbit, offset: this.base + p, bytes: len, batch: scratchView(this.scratch, r, stream, this.bxView) });
      return;
    }
    const o: DeframedOrbit = {
      stream, orbit, offset: this.base + p, bytes: len,
      batch: this.doMaterialize ? materialize(this.scratch, r, stream) : null,
    };
    this.onOrbit?.(o);
    out.push(o);
  }

  /** SCDAQ header mode: trailer-anchored (see DecodeCode.Skip and scanScdaq). */
  private runScdaq(final: boolean): DeframedOrbit[] {
    const out: DeframedOrbit[] = [];
    const b = this.buf;
    const end = b.length;
    const r = this.result;
    let pos = 0;
    while (pos < end) {
      this.core.scanScdaq(b, pos, end, this.searchKind === null, this.scdaqSds, this.scratch, r, this.walk);
      const code = r[DECODE_SLOT.code] as DecodeCode;
      if (code === DecodeCode.NeedMore) {
        if (!final) {
          this.need = Math.min(r[DECODE_SLOT.need], 2 * MAX_ORBIT_BYTES + 64);
          break;
        }
        // The stream ended inside a structure (or in bytes that hold no orbit trailer).
        this.fault("truncated", this.base + pos);
        this.charge("truncated", end - pos);
        pos = end;
        break;
      }
      if (code === DecodeCode.Skip) {
        this.skip(pos, pos + r[DECODE_SLOT.length]);
        pos += r[DECODE_SLOT.length];
        continue;
      }
      const p = r[DECODE_SLOT.start];
      this.skip(pos, p);
      if (code === DecodeCode.PacketTrailer) {
        this.packetTrailer();
        pos = p + r[DECODE_SLOT.length];
      } else if (code === DecodeCode.OrbitOk) {
        pos = p + r[DECODE_SLOT.length];
        this.accept(p, out);
      } else {
        const kind = CODE_FAULT[code] ?? "badHeader";
        this.fault(kind, this.base + p);
        this.charge(kind, r[DECODE_SLOT.length]);
        this.searchKind = null;
        pos = p + r[DECODE_SLOT.length];
      }
    }
    this.keepFrom(b, pos);
    return out;
  }
}

/** Deframe a whole byte array at once. */
export function deframeAll(bytes: Uint8Array, options: DeframerOptions = {}): { orbits: DeframedOrbit[]; deframer: Deframer } {
  const d = new Deframer(options);
  const orbits = d.push(bytes);
  orbits.push(...d.end());
  return { orbits, deframer: d };
}
