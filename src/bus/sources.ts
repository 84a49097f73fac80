/**
 * Where orbits come from: the seeded generator (default) or any event file src/io's `openEvents`
 * reads (scoutloop or ADC2021 HDF5, JSONL, raw DMA capture, EMP/APx pattern, DarkMachines CSV).
 * Each source is an iterable of orbit batches plus a close().
 */
import type { OrbitBatch } from "../events/batch.js";
import { type EventFormat, type HeaderMode, openEvents } from "../io/index.js";
import type { LinkStream } from "../link/format.js";
import { generateOrbits, type SignalName } from "../trigger/index.js";

const SOURCE_FORMAT: Record<EventFormat, NonNullable<OrbitSource["format"]>> = {
  "scoutloop-h5": "scoutloop", "adc2021-h5": "adc2021", jsonl: "jsonl", raw: "raw", pattern: "pattern", darkmachines: "darkmachines",
};

export interface SourceSpec {
  /** Link captures: how orbit headers are read (default: detected) and, for SCDAQ headers, the stream. */
  header?: HeaderMode;
  stream?: LinkStream;
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
  format?: "generator" | "adc2021" | "scoutloop" | "jsonl" | "raw" | "pattern" | "darkmachines";
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
  const src = await openEvents(spec.in, { maxOrbits: spec.orbits, header: spec.header, stream: spec.stream });
  return {
    describe: src.describe,
    orbits: src.orbits,
    total: src.totalOrbits,
    format: SOURCE_FORMAT[src.format],
    streams: src.streams,
    linkFaults: src.linkFaults,
    close: () => src.close(),
  };
}
