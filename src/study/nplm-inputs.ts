/** NPLM inputs from event samples: the 57 features as columns, one column of anomaly scores, or the RMM layout. */
import { openSource } from "../bus/sources.js";
import { FEATURE_NAMES, N_FEATURES } from "../events/features.js";
import { DEFAULT_RMM, extractRmm, rmmFeatureCount, rmmNames, type RmmLayout } from "../events/rmm.js";
import type { SampleSpec } from "./inputs.js";
import type { ScoringModel } from "../scoring/model.js";
import { scoreSample, type EventSample } from "../scoring/sample.js";
import type { Table } from "./nplm.js";

export function sampleTable(s: EventSample, model: ScoringModel | null, precision: "fixed" | "float" = "float"): Table {
  if (model) {
    const sc = scoreSample(model, s);
    return { n: s.n, d: 1, values: Float64Array.from(precision === "fixed" ? sc.fixed : sc.float), columns: [`${model.kind} score`] };
  }
  return { n: s.n, d: N_FEATURES, values: Float64Array.from(s.features.subarray(0, s.n * N_FEATURES)), columns: [...FEATURE_NAMES] };
}

/** RMM rows (src/events/rmm.ts) of a source, keeping one truth class like loadSample (study/inputs.ts). */
export async function loadRmmTable(spec: SampleSpec, layout: RmmLayout = DEFAULT_RMM): Promise<{ table: Table; describe: string }> {
  const source = await openSource({ in: spec.in, orbits: spec.orbits, seed: spec.seed, signal: spec.signal, injectFraction: spec.injectFraction });
  try {
    const f = rmmFeatureCount(layout);
    const max = spec.maxEvents ?? Infinity;
    const parts: Float32Array[] = [];
    let n = 0;
    for (const b of source.orbits) {
      if (n >= max) break;
      const rows = extractRmm(b, layout);
      for (let i = 0; i < b.nBx && n < max; i++) {
        const label = b.label ? b.label[i] : 0;
        if (spec.truth && b.label && (label !== 0) !== (spec.truth === "signal")) continue;
        parts.push(rows.subarray(i * f, (i + 1) * f));
        n++;
      }
    }
    if (n === 0) throw new Error(`${source.describe}: no events`);
    const values = new Float64Array(n * f);
    parts.forEach((p, i) => values.set(p, i * f));
    return { table: { n, d: f, values, columns: rmmNames(layout) }, describe: `${source.describe}, RMM T${layout.types.length}N${layout.n}` };
  } finally {
    source.close();
  }
}
