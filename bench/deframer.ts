/**
 * Native deframer throughput at realistic occupancy (generator: ~2500 filled BX with pile-up; muons
 * in a few % of BX), per stream, against Buffer.copy of the same bytes and the TS reference,
 * measured side by side in this run. Targets (DESIGN §8): ≥ 30 % of copy bandwidth; muon stream
 * ≥ 5× real time on one core; cores needed for real time printed per stream. The framer (native
 * default and TS reference) is timed on the generated orbits, side by side.
 */
import { ORBIT_HZ, type OrbitBatch } from "../src/events/batch.js";
import { Deframer, frameBatches, frameOrbit, type LinkStream } from "../src/link/index.js";
import { generateOrbits } from "../src/trigger/index.js";
import { bestTime, formatRate, ratioLine } from "./_timing.js";
import { headerFlood } from "./_linkGarbage.js";

const GENERATED = 6;
/**
 * Copies of the generated orbits per stream (each copy with its own orbit numbers), chosen so both
 * streams are ~17 MB: larger than the caches, like a real DMA stream, so Buffer.copy is measured
 * at memory bandwidth for both and the ratios compare like with like.
 */
const COPIES: Record<LinkStream, number> = { muon: 200, calo: 6 };

const deframers = new Map<string, Deframer>();
/** Deframe the whole stream with a reused deframer (reset, not reallocated, between runs). */
function deframe(bytes: Uint8Array, core: "native" | "ts", materialize: boolean): number {
  const key = `${core}/${materialize}`;
  let d = deframers.get(key);
  if (!d) deframers.set(key, (d = new Deframer({ core, materialize })));
  d.reset();
  return d.push(bytes).length + d.end().length;
}

/**
 * Resync on adversarial garbage (issue 11): a header flood (bench/_linkGarbage.ts) at growing
 * sizes, ms per MB (2^20 B) for both cores: headers back to back (stride 32, the densest), one
 * per block (192: every walk on the same boundaries) and 200 (walks on 24 interleaved residues). Linear resync keeps ms/MB flat as the size grows; the last
 * column is ms/MB relative to the smallest size.
 */
export function resyncFlood(): void {
  const sizesMB = [0.25, 0.5, 1, 2, 4];
  for (const stride of [32, 192, 200]) {
    console.log(`header flood, a valid 3564-block header every ${stride} B (ms/MB; × = ms/MB vs 0.25 MB)`);
    const first: Partial<Record<"ts" | "native", number>> = {};
    for (const mb of sizesMB) {
      const bytes = headerFlood(Math.round(mb * 2 ** 20), stride);
      const line: string[] = [];
      for (const core of ["native", "ts"] as const) {
        const t = bestTime(() => deframe(bytes, core, false), 200, 2);
        const msPerMB = (t * 1e3) / (bytes.length / 2 ** 20);
        first[core] ??= msPerMB;
        line.push(`${core} ${msPerMB.toFixed(1).padStart(8)} ms/MB (${(msPerMB / first[core]!).toFixed(2)}×)`);
      }
      console.log(`  ${String(mb).padStart(4)} MB: ${line.join("   ")}`);
    }
  }
}

/**
 * The same garbage arriving in small pieces (a trickling sender): a header flood whose first
 * claimed orbit (684 kB) stays pending while chunks arrive, and, in SCDAQ header mode, bytes with
 * no orbit trailer (the search window is 1.37 MB). Held bytes must not be copied or searched again
 * per chunk: ms/MiB should not grow as the chunks shrink.
 */
export function resyncChunked(): void {
  const cases = [
    { label: "header flood /192 B, 2 MiB", bytes: headerFlood(2 * 2 ** 20, 192), options: {} },
    { label: "SCDAQ mode, no trailer, 4 MiB", bytes: new Uint8Array(4 * 2 ** 20), options: { header: "scdaq", stream: "muon" } as const },
  ];
  for (const { label, bytes, options } of cases) {
    console.log(`${label}, pushed in chunks (ms/MiB)`);
    for (const chunk of [65536, 16384, 1500]) {
      const line: string[] = [];
      for (const core of ["native", "ts"] as const) {
        const d = new Deframer({ ...options, core, materialize: false });
        const t = bestTime(() => {
          d.reset();
          for (let p = 0; p < bytes.length; p += chunk) d.push(bytes.subarray(p, p + chunk));
          d.end();
        }, 200, 2);
        line.push(`${core} ${((t * 1e3) / (bytes.length / 2 ** 20)).toFixed(1).padStart(8)} ms/MiB`);
      }
      console.log(`  ${String(chunk).padStart(6)} B chunks: ${line.join("   ")}`);
    }
  }
}

export async function run(): Promise<void> {
  resyncFlood();
  resyncChunked();
  const generated = [...generateOrbits({ seed: 11, orbits: GENERATED })];
  const targets: { stream: LinkStream; realTimeGoal: number }[] = [{ stream: "muon", realTimeGoal: 5 }, { stream: "calo", realTimeGoal: 0 }];
  for (const { stream, realTimeGoal } of targets) {
    const batches: OrbitBatch[] = [];
    for (let c = 0; c < COPIES[stream]; c++) for (const b of generated) batches.push({ ...b, orbit: batches.length + 1 });
    const bytes = frameBatches(batches, stream, { orbitsPerPacket: stream === "muon" ? 20 : 1 });
    const orbits = batches.length;
    const check = deframe(bytes, "native", false);
    if (check !== orbits) throw new Error(`bench stream deframed to ${check} orbits, expected ${orbits}`);
    const dst = Buffer.allocUnsafe(bytes.length);
    const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const tCopy = bestTime(() => src.copy(dst));
    const tNative = bestTime(() => deframe(bytes, "native", false));
    const tNativeMat = bestTime(() => deframe(bytes, "native", true));
    let viewed = 0;
    const viewer = new Deframer({ materialize: "view", onOrbit: (o) => (viewed += o.batch!.nBx) });
    const tNativeView = bestTime(() => {
      viewer.reset();
      viewer.push(bytes);
      viewer.end();
    });
    const tTs = bestTime(() => deframe(bytes, "ts", false), 300, 2);
    const framed = batches.slice(0, GENERATED);
    // The framer alone (frameOrbit), then with packet assembly (frameBatches: trailers + concatenation).
    const frameAll = (core: "ts" | "native") => () => framed.forEach((b) => frameOrbit(b, stream, { core }));
    const tFrameTs = bestTime(frameAll("ts"), 300, 2) / framed.length;
    const tFrameNative = bestTime(frameAll("native"), 300, 2) / framed.length;
    const tPackets = bestTime(() => frameBatches(framed, stream), 300, 2) / framed.length;
    const gb = bytes.length / 1e9;
    const orbitsPerS = orbits / tNative;
    const realTime = orbitsPerS / ORBIT_HZ;
    console.log(`${stream} stream: ${orbits} orbits, ${(bytes.length / orbits / 1e3).toFixed(1)} kB/orbit (${(bytes.length / 1e6).toFixed(1)} MB)`);
    console.log(ratioLine("  Buffer.copy", formatRate(gb / tCopy * 1e9, "B/s"), 1, "(baseline)"));
    console.log(ratioLine("  native deframer", formatRate(gb / tNative * 1e9, "B/s"), tCopy / tNative, "of copy bandwidth (target ≥ 0.30)"));
    console.log(ratioLine("  native deframer → OrbitBatch copies", formatRate(orbits / tNativeMat, " orbits/s"), tNative / tNativeMat, "of native deframer"));
    console.log(ratioLine("  native deframer → zero-copy views", formatRate(orbits / tNativeView, " orbits/s"), tNative / tNativeView, `of native deframer (${viewed > 0 ? "ok" : "no BX!"})`));
    console.log(ratioLine("  TS reference deframer", formatRate(gb / tTs * 1e9, "B/s"), tNative / tTs, "of native"));
    console.log(ratioLine("  native orbits/s vs LHC orbit rate", formatRate(orbitsPerS, " orbits/s"), realTime, `real time${realTimeGoal ? ` (target ≥ ${realTimeGoal}×)` : ""}`));
    console.log(`  cores needed for real time (11.2455 kHz): ${Math.max(1, Math.ceil(1 / realTime))} (${(1 / realTime).toFixed(2)} core-equivalents)`);
    console.log(ratioLine("  TS framer (reference, frameOrbit)", formatRate(1 / tFrameTs, " orbits/s"), 1 / tFrameTs / ORBIT_HZ, "real time"));
    console.log(ratioLine("  native framer (default, frameOrbit)", formatRate(1 / tFrameNative, " orbits/s"), 1 / tFrameNative / ORBIT_HZ, "real time"));
    console.log(ratioLine("  native framer vs TS framer", formatRate(1 / tFrameNative, " orbits/s"), tFrameTs / tFrameNative, "of TS framer"));
    console.log(ratioLine("  native framer + packets (frameBatches)", formatRate(1 / tPackets, " orbits/s"), 1 / tPackets / ORBIT_HZ, "real time"));
  }
}
