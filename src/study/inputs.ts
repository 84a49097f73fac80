/**
 * Inputs of the studies: an event sample from a file (.h5/.jsonl via src/bus sources) or from the
 * seeded generator (the model comes from src/bus/model.ts `resolveModel`, as for runs).
 */
import { openSource } from "../bus/sources.js";
import { FileFormatError } from "../io/errors.js";
import type { SignalName } from "../trigger/index.js";
import { collectSample, selectRows, type EventSample } from "../scoring/sample.js";

export interface SampleSpec {
  /** Input file; absent = generator. */
  in?: string;
  /** Orbits to generate, or at most to read from `in` (absent: all of the file). */
  orbits?: number;
  seed: number;
  signal?: SignalName;
  injectFraction?: number;
  /** Keep at most this many events. */
  maxEvents?: number;
  /**
   * Keep events of one truth class: "background" = label 0, "signal" = non-zero label, so a mixed
   * file (gen --inject-fraction) does not leak one class into the other. A file without signal
   * labels (e.g. an ADC2021 signal file, or real data) is kept whole.
   */
  truth?: "signal" | "background";
}

export async function loadSample(spec: SampleSpec): Promise<{ sample: EventSample; describe: string }> {
  const source = await openSource({ in: spec.in, orbits: spec.orbits, seed: spec.seed, signal: spec.signal, injectFraction: spec.injectFraction });
  try {
    const all = collectSample(source.orbits, spec.maxEvents);
    if (all.n === 0) throw new FileFormatError(source.describe, "no events");
    const { sample, note } = keepTruth(all, spec.truth);
    if (sample.n === 0) throw new Error(`${source.describe}: no ${spec.truth} events`);
    return { sample, describe: note ? `${source.describe}, ${note}` : source.describe };
  } finally {
    source.close();
  }
}

function keepTruth(s: EventSample, truth: SampleSpec["truth"]): { sample: EventSample; note: string } {
  if (!truth) return { sample: s, note: "" };
  let signals = 0;
  for (let i = 0; i < s.n; i++) if (s.label[i] !== 0) signals++;
  if (signals === 0) return { sample: s, note: truth === "signal" ? "no signal labels: every event taken as signal" : "" };
  const keep: number[] = [];
  for (let i = 0; i < s.n; i++) if ((s.label[i] !== 0) === (truth === "signal")) keep.push(i);
  if (keep.length === s.n) return { sample: s, note: "" };
  return { sample: selectRows(s, keep), note: `${keep.length} of ${s.n} events kept by truth label (${truth})` };
}
