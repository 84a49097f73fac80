/**
 * Where orbits come from: the seeded generator (default), an ADC2021 HDF5 file, a JSONL event
 * file (src/io), or a link capture (raw DMA file, EMP/APx pattern file; captureSource.ts). Each
 * source is an iterable of orbit batches plus a close().
 */
import { existsSync, statSync } from "node:fs";
import { extname } from "node:path";
import type { OrbitBatch } from "../events/batch.js";
import { Adc2021File, adc2021Orbits, readJsonl } from "../io/index.js";
import { FileFormatError } from "../io/errors.js";
import { generateOrbits, type SignalName } from "../trigger/index.js";
import { patternCaptureSource, rawCaptureSource } from "./captureSource.js";

export interface SourceSpec {
  /** Input file (.h5/.hdf5 or .jsonl); absent = generator. */
  in?: string;
  /** Orbits to take (generator: to generate; file: at most this many, default all). */
  orbits?: number;
  seed?: number;
  signal?: SignalName;
  injectFraction?: number;
}

export interface OrbitSource {
  describe: string;
  orbits: Iterable<OrbitBatch>;
  /** Orbit count when known up front (progress bars). */
  total: number | null;
  /** What the source is read as: the fields it can hold follow from it (src/compare/objects/fields.ts). */
  format?: "generator" | "adc2021" | "jsonl" | "raw" | "pattern";
  /** Link captures: the streams the capture carries. */
  streams?: ReadonlySet<"muon" | "calo">;
  /** Link captures: the orbits are already deframed (no framer/deframer stage), with these faults. */
  linkFaults?: () => Record<string, number>;
  close(): void;
}

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let k = 0;
  for (const x of items) {
    yield x;
    if (++k >= n) return;
  }
}

/** What the generator runs when no input file is given and nothing else is said. */
export const DEFAULT_GENERATOR = { seed: 1, orbits: 20 } as const;

/** The generator settings a spec really runs with (defaults filled in): what a run's input hash covers. */
export function generatorSettings(spec: SourceSpec): SourceSpec {
  return { ...spec, seed: spec.seed ?? DEFAULT_GENERATOR.seed, orbits: spec.orbits ?? DEFAULT_GENERATOR.orbits };
}

export async function openSource(spec: SourceSpec): Promise<OrbitSource> {
  if (!spec.in) {
    const { orbits, seed } = generatorSettings(spec) as Required<Pick<SourceSpec, "orbits" | "seed">>;
    return {
      describe: `generator seed ${seed}, ${orbits} orbits${spec.signal ? `, signal ${spec.signal}` : ""}`,
      orbits: generateOrbits({ seed, orbits, signal: spec.signal, injectFraction: spec.injectFraction }),
      total: orbits,
      format: "generator",
      close: () => {},
    };
  }
  // One line and one exit code for a missing or odd input, whatever its kind (FileFormatError).
  if (!existsSync(spec.in)) throw new FileFormatError(spec.in, "no such file");
  if (!statSync(spec.in).isFile()) throw new FileFormatError(spec.in, "not a regular file");
  const ext = extname(spec.in).toLowerCase();
  if (ext === ".h5" || ext === ".hdf5") {
    const file = await Adc2021File.open(spec.in);
    const all = adc2021Orbits(file);
    const perFile = Math.ceil(file.nEvents / 3564);
    return {
      describe: `${spec.in} (${file.nEvents} events)`,
      orbits: spec.orbits === undefined ? all : take(all, spec.orbits),
      total: spec.orbits === undefined ? perFile : Math.min(perFile, spec.orbits),
      format: "adc2021",
      close: () => file.close(),
    };
  }
  if (ext === ".jsonl") {
    const all = readJsonl(spec.in);
    return {
      describe: spec.in,
      orbits: spec.orbits === undefined ? all : take(all, spec.orbits),
      total: spec.orbits ?? null,
      format: "jsonl",
      close: () => {},
    };
  }
  if (ext === ".raw" || ext === ".txt") {
    const cap = ext === ".raw" ? rawCaptureSource(spec.in) : patternCaptureSource(spec.in);
    return {
      describe: `${spec.in} (${ext === ".raw" ? "raw DMA capture" : "pattern file"})`,
      orbits: spec.orbits === undefined ? cap.orbits : take(cap.orbits, spec.orbits),
      total: spec.orbits ?? null,
      format: ext === ".raw" ? "raw" : "pattern",
      streams: cap.streams,
      linkFaults: cap.faults,
      close: () => cap.close(),
    };
  }
  throw new FileFormatError(spec.in, "unsupported input (expected .h5, .hdf5, .jsonl, .raw or an EMP/APx pattern .txt)");
}
