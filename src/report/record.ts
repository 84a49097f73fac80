/**
 * Build a RunRecord from generated events: background and each signal scored by one model, the
 * fixed-point (firmware) score against the float reference as the residual pair. This is what
 * `scoutloop report DIR --gen` writes when a run directory has no score samples.
 */
import { generateOrbits, SIGNALS, type SignalName } from "../trigger/index.js";
import type { ScoringModel } from "../scoring/model.js";
import { collectSample, scoreSample } from "../scoring/sample.js";
import { RUN_RECORD_FORMAT, generatorInputHash, type RunRecord } from "../compare/run-record.js";

export { generatorInputHash };

export interface GeneratedRecordOptions {
  model: ScoringModel;
  modelDescribe?: string;
  seed: number;
  /** Background orbits (~2500 events each). */
  orbits: number;
  /** Orbits of each signal, generated signal-only. */
  signalOrbits: number;
  signals?: readonly SignalName[];
  version: string;
}

export function generatedRunRecord(o: GeneratedRecordOptions): RunRecord {
  const signals = o.signals ?? SIGNALS;
  const bkg = collectSample(generateOrbits({ seed: o.seed, orbits: o.orbits }));
  const bkgScores = scoreSample(o.model, bkg);
  const scores = [{ name: "background", values: Array.from(bkgScores.fixed) }];
  const inputs = [{ name: `generator background seed ${o.seed} × ${o.orbits} orbits`, sha256: generatorInputHash({ seed: o.seed, orbits: o.orbits }) }];
  signals.forEach((name, k) => {
    const seed = o.seed + 1 + k;
    const sig = collectSample(generateOrbits({ seed, orbits: o.signalOrbits, signal: name, injectFraction: 1 }));
    scores.push({ name, values: Array.from(scoreSample(o.model, sig).fixed) });
    inputs.push({ name: `generator ${name} seed ${seed} × ${o.signalOrbits} orbits`, sha256: generatorInputHash({ seed, orbits: o.signalOrbits, signal: name }) });
  });
  return {
    format: RUN_RECORD_FORMAT,
    manifest: {
      tool: "scoutloop",
      version: o.version,
      seed: o.seed,
      model: { kind: o.model.kind, id: o.model.id, describe: o.modelDescribe },
      boardHello: null,
      inputs,
      createdAt: new Date().toISOString(),
    },
    scorer: "software fixed-point",
    scores,
    pairs: { a: "float reference", b: "fixed-point (firmware model)", aValues: Array.from(bkgScores.float), bValues: Array.from(bkgScores.fixed) },
    latency: null,
  };
}
