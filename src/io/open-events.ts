/**
 * One way in for every event file: `openEvents(path)` recognises the format from the file's
 * content (not its name) and yields OrbitBatches, one per orbit.
 *
 * | format          | what it is                                                  | loses        |
 * |-----------------|-------------------------------------------------------------|--------------|
 * | `scoutloop-h5`  | scoutloop HDF5 layout (./scoutloop-h5.ts), lossless         | nothing      |
 * | `adc2021-h5`    | ADC2021 layout: 19 slots of pT, η, φ (./adc2021-layout.ts)  | see ADC_LOSS |
 * | `jsonl`         | one JSON line per BX (./jsonl.ts), lossless                 | nothing      |
 * | `raw`           | scouting DMA capture, scoutloop or SCDAQ headers (./captures.ts) | what the link drops (objects with pT/ET 0) |
 * | `pattern`       | EMP v1/v2 or APx pattern file carrying the DMA words        | as raw       |
 * | `darkmachines`  | DarkMachines challenge CSV (./darkmachines.ts)               | see that module |
 *
 * ```ts
 * const src = await openEvents("bkg.h5");           // or .jsonl, .raw, .txt, .csv
 * try { for (const batch of src.orbits) use(batch); } finally { src.close(); }
 * ```
 * Errors: a missing, unreadable or unrecognised file, or one that breaks its format, is a
 * FileFormatError whose one-line message names the file.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { BX_PER_ORBIT, type OrbitBatch } from "../events/batch.js";
import { Adc2021File, type AttrValue } from "./adc2021-reader.js";
import { adc2021Orbits } from "./adc2021-orbits.js";
import { type CaptureOptions, patternCaptureSource, rawCaptureSource } from "./captures.js";
import { FileFormatError } from "./errors.js";
import type { LinkStream } from "../link/format.js";
import { sniffHdf5Layout } from "./hdf5-thread.js";
import { readJsonl } from "./jsonl.js";
import { ScoutloopH5File } from "./scoutloop-h5.js";
import { looksLikeDarkMachines, readDarkMachines } from "./darkmachines.js";

export type EventFormat = "scoutloop-h5" | "adc2021-h5" | "jsonl" | "raw" | "pattern" | "darkmachines";
export const EVENT_FORMATS: readonly EventFormat[] = ["scoutloop-h5", "adc2021-h5", "jsonl", "raw", "pattern", "darkmachines"];

export interface OpenEventsOptions extends CaptureOptions {
  /** Yield at most this many orbits. */
  maxOrbits?: number;
  /** ADC2021 files without orbit/bx: number of the first orbit they are packed into (default 1). */
  firstOrbit?: number;
}

export interface EventSource {
  path: string;
  format: EventFormat;
  /** One line for people: the file and what it holds. */
  describe: string;
  /** The orbits, in file order; iterate once. */
  orbits: Iterable<OrbitBatch>;
  /** Orbits and events when the format knows them up front (progress bars), else null. */
  totalOrbits: number | null;
  totalEvents: number | null;
  /** Link captures: the streams the capture carries. */
  streams?: ReadonlySet<LinkStream>;
  /** Link captures: faults counted while deframing (complete once `orbits` is exhausted). */
  linkFaults?: () => Record<string, number>;
  /** HDF5 root attributes (provenance), {} elsewhere. */
  attrs: Record<string, AttrValue>;
  close(): void;
}

/** Bytes looked at to tell formats apart. */
const SNIFF_BYTES = 4096;
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

function head(path: string): Buffer | null {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new FileFormatError(path, st.isDirectory() ? "is a directory, not an event file" : "not a regular file");
    size = st.size;
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileFormatError(path, code === "ENOENT" ? "no such file" : `cannot read file (${code ?? String(err)})`);
  }
  if (size === 0) return null;
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    readSync(fd, buf, 0, buf.length, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Mostly printable text (pattern files, JSONL, CSV) rather than binary link words. */
function isText(b: Buffer): boolean {
  let printable = 0;
  for (const c of b) if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc0) printable++;
  return printable >= 0.98 * b.length;
}

/** The format of a file, from its first bytes (HDF5 files are opened to tell the two layouts apart). */
export async function detectEventFormat(path: string): Promise<EventFormat> {
  const b = head(path);
  if (!b) {
    // An empty file holds no events; only a text format can say so without a header.
    if (/\.(jsonl|csv)$/i.test(path)) return /\.csv$/i.test(path) ? "darkmachines" : "jsonl";
    throw new FileFormatError(path, /\.(h5|hdf5)$/i.test(path) ? "empty file, not HDF5" : "empty file");
  }
  // A file named as HDF5 is HDF5 or nothing (the sniff says why not, e.g. no signature).
  if (b.subarray(0, 8).equals(HDF5_SIGNATURE) || /\.(h5|hdf5)$/i.test(path)) {
    return (await sniffHdf5Layout(path)) === "scoutloop" ? "scoutloop-h5" : "adc2021-h5";
  }
  if (!isText(b)) return "raw";
  const text = b.toString("utf8").replace(/^\uFEFF/, "");
  const first = text.trimStart();
  if (first.startsWith("{")) return "jsonl";
  if (first.startsWith("#Sideband") || first.startsWith("#LinkLabel") || first.startsWith("ID: ") || first.startsWith("Board ")) return "pattern";
  if (looksLikeDarkMachines(text)) return "darkmachines";
  throw new FileFormatError(path, "not an event file scoutloop knows (HDF5, JSONL, raw DMA capture, EMP/APx pattern, DarkMachines CSV)");
}

function* take<T>(items: Iterable<T>, n: number | undefined): Generator<T> {
  if (n === undefined) return yield* items;
  let k = 0;
  if (n <= 0) return;
  for (const x of items) {
    yield x;
    if (++k >= n) return;
  }
}

function capped(n: number | null, max: number | undefined): number | null {
  return max === undefined ? n : n === null ? null : Math.min(n, max);
}

/** Open any event file; see the module comment. Close it when done. */
export async function openEvents(path: string, opts: OpenEventsOptions = {}): Promise<EventSource> {
  const format = await detectEventFormat(path);
  const max = opts.maxOrbits;
  switch (format) {
    case "scoutloop-h5": {
      const f = await ScoutloopH5File.open(path);
      const c = f.objectCounts;
      return {
        path, format, attrs: f.attrs, totalOrbits: capped(f.nOrbits, max), totalEvents: max === undefined ? f.nEvents : null,
        describe: `${path} (scoutloop HDF5: ${f.nEvents} events, ${c.muon} μ, ${c.egamma} e/γ, ${c.jet} jets, ${c.tau} τ)`,
        orbits: take(f.orbits(), max), close: () => f.close(),
      };
    }
    case "adc2021-h5": {
      const f = await Adc2021File.open(path);
      const perFile = f.hasOrbitBx ? null : Math.ceil(f.nEvents / BX_PER_ORBIT);
      return {
        path, format, attrs: f.attrs, totalOrbits: capped(perFile, max), totalEvents: max === undefined ? f.nEvents : null,
        describe: `${path} (${f.nEvents} events)`,
        orbits: take(adc2021Orbits(f, { firstOrbit: opts.firstOrbit }), max), close: () => f.close(),
      };
    }
    case "jsonl":
      return { path, format, attrs: {}, totalOrbits: null, totalEvents: null, describe: path, orbits: take(readJsonl(path), max), close: () => {} };
    case "darkmachines": {
      const dm = readDarkMachines(path, { firstOrbit: opts.firstOrbit });
      return { path, format, attrs: {}, totalOrbits: null, totalEvents: null, describe: `${path} (DarkMachines CSV)`, orbits: take(dm, max), close: () => {} };
    }
    case "raw":
    case "pattern": {
      const cap = format === "raw" ? rawCaptureSource(path, opts) : patternCaptureSource(path, opts);
      const how = cap.mode.header === "scdaq" ? `, SCDAQ headers, ${cap.mode.stream} stream` : "";
      return {
        path, format, attrs: {}, totalOrbits: null, totalEvents: null,
        describe: `${path} (${format === "raw" ? "raw DMA capture" : "pattern file"}${how})`,
        orbits: take(cap.orbits, max), streams: cap.streams, linkFaults: cap.faults, close: () => cap.close(),
      };
    }
  }
}
