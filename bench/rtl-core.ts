/**
 * Generated scorer cores under Verilator (core-only testbench, src/rtl/core-sim.ts), for the
 * default models: the default isolation forest that `run` uses (100 trees, ψ 256) and the
 * default-size VAE encoder 57→32→16→8. Per core: build time, simulated cycles/s and events/s
 * (one event per cycle when nothing stalls, and with out_ready low half the time), the measured
 * latency against the generator's stated latency, and a bit-exact check against the TS model.
 */
import { cpus, loadavg } from "node:os";
import { defaultModel } from "../src/bus/model.js";
import { generateScorerCore } from "../src/rtl/core.js";
import { buildCoreSim, runCoreSim } from "../src/rtl/core-sim.js";
import { generatedVectors } from "../src/rtl/export.js";
import type { ScoringModel } from "../src/scoring/model.js";
import { defaultSizeEncoder } from "./_models.js";
import { formatRate } from "./_timing.js";

const EVENTS = 20_000;

async function benchCore(label: string, model: ScoringModel): Promise<void> {
  const t0 = performance.now();
  const core = generateScorerCore(model);
  const genSeconds = (performance.now() - t0) / 1000;
  const build = await buildCoreSim(core.verilog, core.manifest, { opt: "-O2" });
  const buildNote = build.cached ? "cached build" : `built in ${build.buildSeconds.toFixed(1)} s`;
  console.log(`\n${label}: model ${model.id}, ${(core.verilog.length / 1024).toFixed(0)} kB of Verilog (generated in ${genSeconds.toFixed(1)} s), verilator -O2 ${buildNote}`);
  const raw = generatedVectors(model, EVENTS, 1);
  const ref = model.scoreFixedRaw(raw, EVENTS);
  for (const [what, stallProb] of [["streaming (no stalls)", 0], ["out_ready low 50 % of cycles", 0.5]] as const) {
    const res = await runCoreSim(build, core.manifest, { raw, n: EVENTS }, { stallProb, seed: 1 });
    let bad = 0;
    for (let i = 0; i < EVENTS; i++) if (res.score[i] !== ref[i]) bad++;
    const lat = Array.from(res.outCycle, (o, i) => o - res.inCycle[i]);
    const minLat = Math.min(...lat), maxLat = Math.max(...lat);
    console.log(`  ${what.padEnd(30)} ${formatRate(res.cycles / res.seconds, " cycles/s").padStart(16)}  ${formatRate(res.outputs / res.seconds, " events/s").padStart(16)}` +
      `  latency ${minLat === maxLat ? minLat : `${minLat}–${maxLat}`} cycles (stated ${core.manifest.latency})  mismatches ${bad}/${EVENTS}`);
  }
}

export async function run(): Promise<void> {
  console.log(`scorer cores under Verilator 5, ${EVENTS} generated events each (host load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
  await benchCore("default isolation forest (100 trees, ψ 256)", defaultModel());
  await benchCore("default-size VAE encoder 57→32→16→8", defaultSizeEncoder());
  console.log(`(host load average at the end ${loadavg()[0].toFixed(1)})`);
}
