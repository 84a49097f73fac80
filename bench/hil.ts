/**
 * HIL bench, all measured side by side in one run:
 * - board path (emulator over ZeroMQ tcp loopback, full client) vs the in-process software path
 *   (the same model's scoreFixedRaw on the same raw inputs): events/s ratio, target ≥ 0.5;
 * - one small batch's round trip p50 vs a bare zeromq DEALER/ROUTER ping-pong: target ≤ 2×;
 * - serial over a pty at the emulator-serial profile's baud rate: events/s vs the line's limit.
 */
import * as zmq from "zeromq";
import { BoardClient, loadProfile, profileForModel, startEmulator, type BoardProfile } from "../src/hil/index.js";
import { trainIsolationForest } from "../src/scoring/index.js";
import { parseFixed, rawMax, rawMin } from "../src/scoring/fixed.js";
import type { EmulatorModel } from "../src/hil/emulator.js";
import { bestTime, formatRate, ratioLine } from "./_timing.js";

const NF = 57;

/** A dense fixed-point model of typical per-event cost (57 MACs), in the emulator profile's formats. */
function benchModel(): EmulatorModel {
  const inputFormat = parseFixed("ap_fixed<18,13,AP_RND_CONV,AP_SAT>");
  const outputFormat = parseFixed("ap_fixed<18,4,AP_RND_CONV,AP_SAT>");
  const w = Int32Array.from({ length: NF }, (_, k) => ((k * 7) % 11) - 5);
  const lo = rawMin(outputFormat);
  const hi = rawMax(outputFormat);
  return {
    id: "bench-linear", nFeatures: NF, inputFormat, outputFormat,
    scoreFixedRaw(raw, n) {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let k = 0, o = i * NF; k < NF; k++) acc += w[k]! * raw[o + k]!;
        const s = Math.floor(acc / 64);
        out[i] = s < lo ? lo : s > hi ? hi : s;
      }
      return out;
    },
  };
}

function inputs(n: number): { bx: Uint16Array; features: Int32Array } {
  const features = new Int32Array(n * NF);
  let s = 12345;
  for (let i = 0; i < features.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    features[i] = (s >>> 14) - (1 << 17);
  }
  return { bx: Uint16Array.from({ length: n }, (_, i) => 1 + (i % 3564)), features };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function boardThroughput(profile: BoardProfile, model: EmulatorModel, address: string, orbits: number, n: number): Promise<number> {
  const client = await BoardClient.connect({ profile, address });
  const { bx, features } = inputs(n);
  try {
    await client.score({ n, orbit: 0, bx, features }); // warm-up
    const t0 = process.hrtime.bigint();
    const pending = [];
    for (let o = 0; o < orbits; o++) pending.push(client.score({ n, orbit: o, bx, features }));
    const results = await Promise.all(pending);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const scored = results.reduce((a, r) => a + r.scored, 0);
    if (scored !== orbits * n) throw new Error(`bench: only ${scored} of ${orbits * n} events scored`);
    return scored / s;
  } finally {
    await client.close();
  }
}

/** Software path vs board path (emulator running the same model) over ZeroMQ tcp loopback. */
async function throughput(label: string, model: EmulatorModel, profile: BoardProfile, orbits: number): Promise<void> {
  const n = 3564; // one orbit's worth of BX per batch
  const { features } = inputs(n);
  const swRate = n / bestTime(() => model.scoreFixedRaw(features, n), 300);
  const emu = await startEmulator({ model, profile, zmq: "tcp://127.0.0.1:*" });
  try {
    const boardRate = await boardThroughput(profile, model, emu.address, orbits, n);
    console.log(ratioLine(`${label}: software path (in-process)`, formatRate(swRate, " ev/s"), 1, "baseline"));
    console.log(ratioLine(`${label}: board path (ZeroMQ tcp)`, formatRate(boardRate, " ev/s"), boardRate / swRate, "of software path (target ≥ 0.50)"));
  } finally {
    await emu.close();
  }
}

export async function run(): Promise<void> {
  const model = benchModel();
  const profile: BoardProfile = { ...loadProfile("emulator-zmq"), maxBatch: 4096, window: 4 };

  // 1. Throughput. The isolation forest `run` uses (100 trees, ψ = 256, TS fixed-point reference)
  //    on both sides; then a 57-MAC linear model, which shows the protocol's own overhead bound.
  const train = new Float32Array(4096 * NF);
  for (let i = 0; i < train.length; i++) train[i] = Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 50;
  const forest = trainIsolationForest(train, 4096, NF, { seed: 1, nTrees: 100, sampleSize: 256 });
  await throughput("iforest 100×256", forest, profileForModel(profile, forest), 12);
  await throughput("linear 57-MAC", model, profile, 40);
  const emu = await startEmulator({ model, profile, zmq: "tcp://127.0.0.1:*" });

  // 2. Small-batch round trip vs a bare zeromq ping-pong (same message sizes: 1 event).
  const client = await BoardClient.connect({ profile, address: emu.address });
  const small = inputs(1);
  const rtts: number[] = [];
  for (let i = 0; i < 2200; i++) {
    const t0 = process.hrtime.bigint();
    await client.score({ n: 1, orbit: i, bx: small.bx, features: small.features });
    if (i >= 200) rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  await client.close();
  await emu.close();

  const router = new zmq.Router({ linger: 0 });
  await router.bind("tcp://127.0.0.1:*");
  const dealer = new zmq.Dealer({ linger: 0 });
  dealer.connect(router.lastEndpoint!);
  const echo = (async () => {
    for await (const frames of router) await router.send(frames);
  })().catch(() => undefined);
  const req = [Buffer.alloc(20), Buffer.alloc(8 + 8 + 4 * NF)];
  const bare: number[] = [];
  for (let i = 0; i < 2200; i++) {
    const t0 = process.hrtime.bigint();
    await dealer.send(req);
    await dealer.receive();
    if (i >= 200) bare.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  dealer.close();
  router.close();
  await echo;
  rtts.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  const p50 = percentile(rtts, 0.5);
  const bareP50 = percentile(bare, 0.5);
  console.log(ratioLine("bare zeromq ping-pong p50", `${bareP50.toFixed(1)} µs`, 1, "baseline"));
  console.log(ratioLine("board round trip, 1 event, p50", `${p50.toFixed(1)} µs`, p50 / bareP50, "of bare ping-pong (target ≤ 2.00)"));
  console.log(`  board round trip p90 ${percentile(rtts, 0.9).toFixed(1)} µs, p99 ${percentile(rtts, 0.99).toFixed(1)} µs`);

  // 3. Serial over a pty, paced at the profile's baud rate.
  const serial = loadProfile("emulator-serial");
  const baud = serial.transport.kind === "serial" ? serial.transport.baudRate : 0;
  const pty = await startEmulator({ model, profile: serial, pty: true });
  const batch = serial.maxBatch;
  const serialRate = await boardThroughput({ ...serial, timeouts: { ...serial.timeouts, replyMs: 5000 } }, model, pty.address, 8, batch);
  await pty.close();
  // The line limit: the request bytes per event dominate (236 B/event in, 28 B/event out, full duplex).
  const lineLimit = baud / 10 / (8 + 4 * NF + 1);
  console.log(ratioLine(`serial over pty at ${baud / 1e6} Mbaud`, formatRate(serialRate, " ev/s"), serialRate / lineLimit, "of the line limit (≈ baud/10/237 B)"));
}
