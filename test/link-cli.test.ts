import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFrame } from "../src/cli/frame.js";
import { runDeframe } from "../src/cli/deframe.js";
import { runReplay } from "../src/cli/replay.js";
import { InputError, UsageError } from "../src/cli/util.js";

describe("link CLI commands", () => {
  it("frame --gen → deframe → replay", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-link-cli-"));
    try {
      const out = join(dir, "x.raw");
      const f = await runFrame(undefined, { out, gen: 2, seed: 5, orbitsPerPacket: 1, streams: "muon,calo", crc: true, json: true });
      expect(f.orbits).toBe(2);
      expect(f.bytes).toBe(readFileSync(out).length);
      const d = await runDeframe(out, { core: "native", faults: 10, json: true });
      expect(d.ok).toBe(true);
      expect(d.stats.streams.calo.orbits).toBe(2);
      expect(d.stats.streams.muon.orbits).toBe(2);
      expect(d.stats.streams.calo.bx).toBeGreaterThan(1000); // generator fills ~2500 bunches
      // Corrupt one byte: the CRC extension turns it into a counted fault, not a crash.
      const bytes = readFileSync(out);
      bytes[bytes.length - 2000] ^= 0xff;
      const bad = join(dir, "bad.raw");
      writeFileSync(bad, bytes);
      const d2 = await runDeframe(bad, { core: "ts", faults: 10, json: true });
      expect(d2.ok).toBe(false);
      expect(d2.stats.faults.crcMismatch.count).toBe(1);
      expect(d2.firstFaults[0].kind).toBe("crcMismatch");
      const r = await runReplay(out, { rate: "lhc", queue: 64, consumerUs: 0, loops: 2, json: true });
      expect(r.orbits).toBe(8);
      expect(r.report.offered).toBe(8);
      expect(r.report.delivered + r.report.dropped).toBe(8);
      expect(r.consumerFaults).toBe(0);
      // A consumer needing 300 µs per 88.9 µs orbit cannot keep the LHC clock: the orbits it does
      // not take in time are dropped and counted (they used to be delivered late with "dropped 0").
      const slow = await runReplay(out, { rate: "lhc", queue: 4, consumerUs: 300, loops: 100, json: true });
      expect(slow.report.offered).toBe(400);
      expect(slow.report.delivered + slow.report.dropped).toBe(400);
      expect(slow.report.dropped).toBeGreaterThan(400 / 3);
      expect(slow.report.offeredHz).toBeGreaterThan(5000); // offered on the link's clock, not the consumer's
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("usage errors are UsageErrors", async () => {
    await expect(runFrame(undefined, { out: "/tmp/never.raw", seed: 1, orbitsPerPacket: 1, streams: "muon" })).rejects.toThrow(UsageError);
    await expect(runFrame(undefined, { out: "/tmp/never.raw", gen: 1, seed: 1, orbitsPerPacket: 1, streams: "pixels" })).rejects.toThrow(/unknown stream/);
    await expect(runDeframe("/nonexistent.raw", { core: "native", faults: 1 })).rejects.toThrow(InputError);
    await expect(runReplay("/nonexistent.raw", { rate: "warp", queue: 1, consumerUs: 0, loops: 1 })).rejects.toThrow(/rate must be/);
  });
});
