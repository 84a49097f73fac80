/**
 * Captures in the real Run-3 format (SCDAQ headers: word 0 the orbit number, nothing else; one
 * file per stream; 20 GMT orbits per packet, 1 calo orbit): written by `frame --header scdaq`,
 * recognised without being told in deframe, inspect, replay, run and pattern files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectCapture, openEvents } from "../src/io/index.js";
import { dmaToPattern, frameBatches, ORBIT_MARKER, writePattern } from "../src/link/index.js";
import { generateOrbits } from "../src/trigger/generator.js";
import { cliSync } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-real-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (f: string) => join(dir, f);

describe("SCDAQ-format captures", () => {
  const orbits = [...generateOrbits({ seed: 5, orbits: 2 })];

  it("frame --header scdaq writes one file per stream, orbit number only in the header, 20 GMT orbits per packet", () => {
    const r = cliSync(["frame", "--gen", "2", "--seed", "5", "--out", p("cap.raw"), "--header", "scdaq", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.files).toEqual({ muon: p("cap.muon.raw"), calo: p("cap.calo.raw") });
    const mu = readFileSync(p("cap.muon.raw"));
    const words = new Uint32Array(mu.buffer, mu.byteOffset, 8);
    expect(words[0]).toBe(1); // orbit 1
    expect([...words.subarray(1)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(mu.includes(Buffer.from(new Uint32Array([ORBIT_MARKER]).buffer))).toBe(false);
    // 2 muon orbits share one packet (one trailer); calo has one packet per orbit.
    const packets = (f: string) => JSON.parse(cliSync(["deframe", p(f), "--json"]).stdout).stats.packets;
    expect(packets("cap.muon.raw")).toBe(1);
    expect(packets("cap.calo.raw")).toBe(2);
  });

  it("deframe and inspect detect the header mode and the stream", () => {
    for (const stream of ["muon", "calo"] as const) {
      const d = JSON.parse(cliSync(["deframe", p(`cap.${stream}.raw`), "--json"]).stdout);
      expect(d).toMatchObject({ header: "scdaq", stream, ok: true });
      expect(d.stats.streams[stream].orbits).toBe(2);
    }
    const ins = JSON.parse(cliSync(["inspect", p("cap.calo.raw"), "--json"]).stdout);
    const taus = orbits.reduce((n, b) => n + b.taus.offset[b.nBx], 0);
    expect(ins.kinds.tau.count).toBe(taus);
    expect(ins.details.describe).toMatch(/SCDAQ headers, calo stream/);
  });

  it("openEvents gives back exactly the objects of each stream", async () => {
    const src = await openEvents(p("cap.calo.raw"));
    const back = [...src.orbits];
    src.close();
    expect(back).toHaveLength(2);
    for (const [i, b] of back.entries()) {
      const want = orbits[i];
      expect(b.jets.offset[b.nBx]).toBe(want.jets.offset[want.nBx]);
      expect([...b.taus.hwEt]).toEqual([...want.taus.hwEt]);
    }
  });

  it("a scoutloop capture stays scoutloop, garbage is not taken for SCDAQ", () => {
    const ours = frameBatches(orbits, "calo");
    expect(detectCapture(ours).header).toBe("scoutloop");
    expect(detectCapture(Uint8Array.from({ length: 4096 }, (_, i) => (i * 37) & 0xff)).header).toBe("scoutloop");
    const theirs = frameBatches(orbits, "muon", { header: "scdaq", orbitsPerPacket: 20 });
    expect(detectCapture(theirs)).toEqual({ header: "scdaq", stream: "muon" });
  });

  it("run --in on a real-format capture: every event scored, 0 mismatches", () => {
    const r = cliSync(["run", "--in", p("cap.muon.raw"), "--json"], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    const muonBx = orbits.reduce((n, b) => n + [...Array(b.nBx).keys()].filter((i) => b.muons.offset[i + 1] > b.muons.offset[i]).length, 0);
    expect(s.accounting.events.in).toBe(muonBx);
    expect(s.comparison.mismatches).toBe(0);
    expect(s.problems).toEqual([]);
  });

  it("replay and pattern files carrying SCDAQ-format words", async () => {
    const rep = cliSync(["replay", p("cap.calo.raw"), "--rate", "100gbps", "--json"]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(JSON.parse(rep.stdout)).toMatchObject({ orbits: 2, consumerFaults: 0 });
    const txt = p("cap.txt");
    writeFileSync(txt, writePattern(dmaToPattern(readFileSync(p("cap.calo.raw"))), "EMPv2"));
    const src = await openEvents(txt);
    const back = [...src.orbits];
    src.close();
    expect(src.format).toBe("pattern");
    expect(back.map((b) => b.taus.offset[b.nBx])).toEqual(orbits.map((b) => b.taus.offset[b.nBx]));
  });
});
