/**
 * What an event file holds: `inspectFile` reads any format `openEvents` knows (the format is told
 * by the content) and counts events, labels and objects per kind; ADC2021 files add their
 * dataset details.
 */
import { statSync } from "node:fs";
import { extname } from "node:path";
import { BX_PER_ORBIT } from "../events/batch.js";
import { Adc2021File } from "./adc2021-reader.js";
import { ADC_ROW } from "./adc2021-layout.js";
import { FileFormatError } from "./errors.js";
import { readJsonl } from "./jsonl.js";
import { detectEventFormat, openEvents } from "./open-events.js";
import { type EventStats, StatsAccumulator } from "./stats.js";

export interface FileSummary extends EventStats {
  file: string;
  format: string;
  bytes: number;
  /** Format-specific details (HDF5: datasets with shape and type, attributes, names). */
  details: Record<string, unknown>;
}

export interface Inspector {
  format: string;
  /** File extensions (lower case, with the dot). */
  extensions: readonly string[];
  inspect(path: string): Promise<Omit<FileSummary, "file" | "format" | "bytes">>;
}

/** Rows per read when scanning an HDF5 file (~5 MB of float32). */
const SCAN_ROWS = 1 << 14;

const hdf5Inspector: Inspector = {
  format: "hdf5-adc2021",
  extensions: [".h5", ".hdf5"],
  async inspect(path) {
    const file = await Adc2021File.open(path);
    try {
      const acc = new StatsAccumulator();
      const rows = new Float32Array(SCAN_ROWS * ADC_ROW);
      for (let at = 0; at < file.nEvents; at += SCAN_ROWS) {
        const n = Math.min(SCAN_ROWS, file.nEvents - at);
        file.readParticles(at, n, rows);
        acc.addRows(rows, n, file.readLabels(at, n), file.readOrbitBx(at, n)?.orbit ?? null);
      }
      if (!file.hasOrbitBx) acc.setOrbits(Math.ceil(file.nEvents / BX_PER_ORBIT));
      return {
        ...acc.result(),
        details: {
          datasets: file.datasets, names: file.names, classes: file.classes, attrs: file.attrs,
          orbitStructure: file.hasOrbitBx ? "orbit/bx datasets" : "none (packed one event per BX on read)",
        },
      };
    } finally {
      file.close();
    }
  },
};

const jsonlInspector: Inspector = {
  format: "jsonl",
  extensions: [".jsonl"],
  async inspect(path) {
    const acc = new StatsAccumulator();
    let batches = 0;
    for (const b of readJsonl(path)) {
      acc.addBatch(b);
      batches++;
    }
    return { ...acc.result(), details: { orbitBatches: batches } };
  },
};

export const INSPECTORS: Inspector[] = [hdf5Inspector, jsonlInspector];

/** The inspector for a path, or null when no format claims its extension. */
export function inspectorFor(path: string): Inspector | null {
  const ext = extname(path).toLowerCase();
  return INSPECTORS.find((i) => i.extensions.includes(ext)) ?? null;
}

/** Any format openEvents reads: statistics over its batches. */
async function inspectEvents(path: string): Promise<Omit<FileSummary, "file" | "bytes">> {
  const src = await openEvents(path);
  try {
    const acc = new StatsAccumulator();
    let batches = 0;
    for (const b of src.orbits) {
      acc.addBatch(b);
      batches++;
    }
    const details: Record<string, unknown> = { describe: src.describe, orbitBatches: batches, attrs: src.attrs };
    if (src.linkFaults) details.linkFaults = src.linkFaults();
    return { format: src.format, ...acc.result(), details };
  } finally {
    src.close();
  }
}

export async function inspectFile(path: string): Promise<FileSummary> {
  // The content says what a file is (missing or unreadable files fail here, named); the ADC2021
  // inspector adds its dataset details.
  const format = await detectEventFormat(path);
  const bytes = statSync(path).size;
  if (format === "adc2021-h5") return { file: path, format: hdf5Inspector.format, bytes, ...(await hdf5Inspector.inspect(path)) };
  return { file: path, bytes, ...(await inspectEvents(path)) };
}
