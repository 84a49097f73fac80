/**
 * A whole run as one call: open the source, the model and two scoring backends, run the pipeline,
 * close everything (also on failure), return the summary. `scoutloop run` and `scoutloop compare`
 * are thin shells over this; scripts can call it directly.
 */
import type { CompareOptions } from "../compare/comparator.js";
import type { RunSummary } from "../compare/summary.js";
import type { OrbitBatch } from "../events/batch.js";
import { deframeAll, frameOrbit, mergeStreams, type LinkStream } from "../link/index.js";
import { openBackend } from "./openBackend.js";
import { parseBackendSpec, backendName } from "./backends.js";
import { loadPipelineModel, type LoadedModel } from "./model.js";
import { runPipeline } from "./pipeline.js";
import { scoutingLink } from "./scoutingLink.js";
import { openSource, type SourceSpec } from "./sources.js";
import type { RunTally } from "./tally.js";

export interface SessionOptions {
  source: SourceSpec;
  /** Model JSON path; default: the default model (see model.ts). */
  model?: string;
  /** Backend specs (backends.ts); `b` absent = score with `a` only, no comparison. */
  a: string;
  b?: string;
  /** Fault spec for an in-process emulated board. */
  fault?: string;
  mode: "pull" | "link-rate";
  orbitHz?: number;
  /** Frame and deframe through the scouting link (default true). */
  link?: boolean;
  streams?: LinkStream[];
  window?: number;
  concurrency?: number;
  queue?: number;
  compare?: CompareOptions;
  onStart?: (info: { totalOrbits: number | null; model: LoadedModel; scorers: string[] }) => void;
  onOrbit?: (tally: RunTally) => void;
}

export interface SessionResult {
  summary: RunSummary;
  /** One line saying what ran: source, model, backends. */
  describe: string;
}

/** The muon scouting system sees only BX with muons: keep those (through the link's own rules). */
function* muonStreamOnly(orbits: Iterable<OrbitBatch>): Generator<OrbitBatch> {
  for (const b of orbits) {
    const { orbits: decoded } = deframeAll(frameOrbit(b, "muon"));
    yield mergeStreams(decoded[0]?.batch ?? null, null);
  }
}

export async function runSession(opts: SessionOptions): Promise<SessionResult> {
  const specs = [opts.a, ...(opts.b ? [opts.b] : [])].map((s, i) => parseBackendSpec(s, i === 0 ? "--a" : "--b"));
  const names = specs.map(backendName);
  if (names.length === 2 && names[0] === names[1]) (names[0] += "-a"), (names[1] += "-b");
  const model = await loadPipelineModel(opts.model);
  const source = await openSource(opts.source);
  const backends: Awaited<ReturnType<typeof openBackend>>[] = [];
  try {
    for (let i = 0; i < specs.length; i++) backends.push(await openBackend(specs[i], { name: names[i], model: model.model, fault: opts.fault }));
    const streams = opts.streams ?? ["muon", "calo"];
    const muonOnly = streams.length === 1 && streams[0] === "muon";
    opts.onStart?.({ totalOrbits: source.total, model, scorers: names });
    const summary = await runPipeline({
      source: muonOnly ? muonStreamOnly(source.orbits) : source.orbits,
      model: model.model,
      scorers: backends.map((b) => b.scorer),
      mode: opts.mode,
      orbitHz: opts.orbitHz,
      link: opts.link === false ? undefined : scoutingLink({ streams }),
      window: opts.window,
      concurrency: opts.concurrency,
      queue: opts.queue,
      compare: opts.compare,
      onOrbit: opts.onOrbit,
    });
    summary.backends = Object.fromEntries(
      backends.map((b, i) => [
        names[i],
        {
          describe: b.describe,
          ...(b.client ? { hello: b.client.hello, client: b.client.stats() } : {}),
          ...(b.emulator ? { emulator: { faults: b.emulator.faults, stats: { ...b.emulator.stats }, injectedWrongBits: b.emulator.injected.orbit.length } } : {}),
        },
      ]),
    );
    const describe = [
      `source: ${source.describe}${muonOnly ? " (muon stream)" : ""}`,
      `model: ${model.describe}`,
      ...backends.map((b, i) => `${names[i]}: ${b.describe}`),
    ].join("\n");
    return { summary, describe };
  } finally {
    source.close();
    for (const b of backends.reverse()) await b.close().catch(() => {});
  }
}
