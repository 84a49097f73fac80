/**
 * RTL board bench, side by side in one run, on the default isolation forest (100 trees, ψ 256):
 * - the verilated board (src/rtl: shell + generated core) over a pty with UART bit timing and over
 *   ZeroMQ through the PS-daemon model, vs the TS-side emulator on the same transports;
 * - simulated cycles per second of the harness while busy;
 * - firmware latency measured by the RTL's counters vs the generator's stated latency.
 * The first run builds the boards (minutes; cached by content hash afterwards).
 */
import { loadavg } from "node:os";
import { BoardClient, loadProfile, profileForModel, startEmulator, type BoardProfile } from "../src/hil/index.js";
import { resolveModel } from "../src/bus/model.js";
import { nativeScorer, rawMax, rawMin, type ScoringModel } from "../src/scoring/index.js";
import { startRtlForModel } from "../src/rtl/inprocess.js";
import { formatRate, ratioLine } from "./_timing.js";

function rawInputs(model: ScoringModel, n: number, seed: number): Int32Array {
  const lo = rawMin(model.inputFormat), hi = rawMax(model.inputFormat);
  const span = Math.min(hi - lo, 1 << 14); // keep most features near the training range
  let s = seed >>> 0;
  return Int32Array.from({ length: n * model.nFeatures }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.max(lo, Math.min(hi, (s % (span + 1)) - (span >> 1)));
  });
}

interface Measured {
  rate: number;
  latencies: Set<number>;
  mismatches: number;
}

async function measure(profile: BoardProfile, address: string, model: ScoringModel, n: number, batches: number): Promise<Measured> {
  const client = await BoardClient.connect({ profile, address, expectModelId: model.id });
  try {
    const features = rawInputs(model, n, 7);
    const want = model.scoreFixedRaw(features, n);
    const bx = Uint16Array.from({ length: n }, (_, i) => 1 + (i % 3564));
    await client.score({ n: Math.min(n, 8), orbit: 0, bx, features }); // warm-up
    const latencies = new Set<number>();
    let mismatches = 0;
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: batches }, (_, o) => client.score({ n, orbit: o + 1, bx, features })));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    for (const r of results) {
      if (r.scored !== n) throw new Error(`bench: ${n - r.scored} events not scored`);
      for (let i = 0; i < n; i++) {
        if (r.score[i] !== want[i]) mismatches++;
        latencies.add(r.egressCycle[i]! - r.ingressCycle[i]!);
      }
    }
    return { rate: (n * batches) / s, latencies, mismatches };
  } finally {
    await client.close();
  }
}

export async function run(): Promise<void> {
  const { model } = resolveModel();
  console.log(`model ${model.id} (${model.kind}); host load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const log = (l: string) => console.log(`  ${l}`);
  for (const kind of ["uart", "zmq"] as const) {
    const profile = loadProfile(kind === "uart" ? "rtl-uart" : "rtl-zmq");
    const n = kind === "uart" ? 64 : 256;
    const batches = kind === "uart" ? 6 : 8;
    const rtl = await startRtlForModel(model, profile, { log });
    let m: Measured;
    let cyclesPerSecond = 0;
    try {
      const before = await rtl.board.stats();
      m = await measure(rtl.profile, rtl.board.address, model, n, batches);
      const after = await rtl.board.stats();
      if (before && after) cyclesPerSecond = (after.simCycles - before.simCycles) / Math.max(1e-9, after.busySeconds - before.busySeconds);
    } finally {
      await rtl.board.close();
    }
    // The emulator on the same transport (native scorer), at the same line settings.
    const emuProfile = profileForModel(kind === "uart" ? { ...loadProfile("emulator-serial"), transport: profile.transport, maxBatch: profile.maxBatch } : { ...loadProfile("emulator-zmq"), maxBatch: profile.maxBatch }, model);
    const emu = await startEmulator({ model: nativeScorer(model), profile: emuProfile, ...(kind === "uart" ? { pty: true, baudRate: 12_000_000 } : { zmq: "tcp://127.0.0.1:*" }) });
    let e: Measured;
    try {
      e = await measure({ ...emuProfile, transport: kind === "uart" ? { ...profile.transport, kind: "serial", path: emu.address } as BoardProfile["transport"] : { kind: "zmq", endpoint: emu.address } }, emu.address, model, n, batches);
    } finally {
      await emu.close();
    }
    const label = kind === "uart" ? "pty, 12 Mbaud (paced host)" : "ZeroMQ tcp loopback";
    console.log(ratioLine(`emulator (TS) ${label}`, formatRate(e.rate, " ev/s"), 1, "baseline"));
    console.log(ratioLine(`RTL board ${label}`, formatRate(m.rate, " ev/s"), m.rate / e.rate, "of the emulator"));
    console.log(`  RTL simulated ${formatRate(cyclesPerSecond, " cycles/s")} while busy; mismatches vs the model ${m.mismatches} (emulator ${e.mismatches})`);
    console.log(`  RTL firmware latency measured ${[...m.latencies].join(", ")} cycles; stated ${rtl.board.hello.latencyCycles} cycles (build ${rtl.dir}${rtl.cached ? ", cached" : ""})`);
  }
}
