/**
 * The framer's bytes decoded by an independent Python unpacker written from the SCDAQ/CMSSW
 * sources (test/python/scouting_unpack.py, stdlib only) must give back the batch.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CALO_FIELDS, MUON_FIELDS, SUM_FIELDS, type OrbitBatch } from "../src/events/batch.js";
import { frameOrbit, streamBxIndices } from "../src/link/index.js";
import { randomBatch } from "./helpers/randomBatch.js";

const script = fileURLToPath(new URL("./python/scouting_unpack.py", import.meta.url));

function expected(batch: OrbitBatch, stream: "muon" | "calo") {
  const rows = streamBxIndices(batch, stream);
  const pick = (blk: { offset: Uint32Array } & Record<string, ArrayLike<number>>, fields: readonly string[], i: number) => {
    const list = [];
    for (let j = blk.offset[i]; j < blk.offset[i + 1]; j++) list.push(Object.fromEntries(fields.map((f) => [f, blk[f][j]])));
    return list;
  };
  return rows.map((i) =>
    stream === "muon"
      ? { bx: batch.bx[i], muons: pick(batch.muons as never, MUON_FIELDS, i) }
      : {
          bx: batch.bx[i], jets: pick(batch.jets as never, CALO_FIELDS, i), egammas: pick(batch.egammas as never, CALO_FIELDS, i),
          taus: pick(batch.taus as never, CALO_FIELDS, i), sums: Object.fromEntries(SUM_FIELDS.map((f) => [f, batch.sums[f][i]])),
        },
  );
}

describe("independent Python unpacker (SCDAQ/CMSSW layouts)", () => {
  it("decodes framed muon and calo orbits to the same objects", () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-xcheck-"));
    try {
      for (let seed = 0; seed < 12; seed++) {
        const batch = randomBatch(4242 + seed, { orbit: 1000 + seed, maxBx: 30 });
        for (const stream of ["muon", "calo"] as const) {
          const path = join(dir, `${stream}.bin`);
          writeFileSync(path, frameOrbit(batch, stream));
          const got = JSON.parse(execFileSync("/usr/bin/python3", [script, path, stream], { encoding: "utf8" }));
          expect(got.orbit).toBe(batch.orbit);
          expect(got.bx).toEqual(expected(batch, stream));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
