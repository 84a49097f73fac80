/**
 * Random damage to real model files of every kind (issue 11): one value anywhere in the JSON
 * replaced by null, a string, a huge or fractional number, an empty array or object, or removed.
 * loadModel either accepts the file or refuses it in one line that names a JSON path — never a
 * bare JavaScript error ("Cannot read properties of undefined") and never a crash or hang.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { trainExtendedIsolationForest } from "../src/scoring/eiforest.js";
import { trainGmm } from "../src/scoring/gmm.js";
import { seededRandom, trainIsolationForest } from "../src/scoring/iforest.js";
import { exportConifer } from "../src/scoring/iforest-io.js";
import { loadModel } from "../src/scoring/load.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "models");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIX, name), "utf8")) as unknown;

/** Every [container, key] in a JSON value (objects and arrays), depth first. */
function slots(v: unknown, out: Array<[Record<string | number, unknown>, string | number]> = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v as unknown as Record<number, unknown>, i]), slots(x, out)));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) (out.push([v as Record<string, unknown>, k]), slots(x, out));
  return out;
}

/** What a refusal must look like: one line, a JSON path (or our wrapper's field) first. */
const PATH_LINE = /^invalid model model: ((\$|conifer|iforest|eif|network|gmm)(\.[A-Za-z_$][\w$]*|\[\d+\]|\["\d+"\])*|missingAction|sampleSize): [^\n]+$|^invalid model model: unknown model kind [^\n]+$/;

describe("randomly damaged model files are accepted or refused with a path", () => {
  const r = seededRandom(11);
  const x = Float32Array.from({ length: 300 * 4 }, () => r() * 2 - 1);
  const models: Record<string, unknown> = {
    "conifer-tiny": fixture("conifer-tiny.json"),
    "isotree-real-ndim1": fixture("isotree-real-ndim1.json"),
    "isotree-real-ndim2": fixture("isotree-real-ndim2.json"),
    "vae-tiny": fixture("vae-tiny.json"),
    iforest: trainIsolationForest(x, 300, 4, { nTrees: 3, sampleSize: 16, seed: 1 }).toJSON(),
    "iforest as conifer": exportConifer(trainIsolationForest(x, 300, 4, { nTrees: 3, sampleSize: 16, seed: 2 })),
    eif: trainExtendedIsolationForest(x, 300, 4, { nTrees: 3, sampleSize: 16, seed: 1 }).toJSON(),
    gmm: trainGmm(x, 300, 4, { components: 2, seed: 1, covariance: "full", tukey: {} }).toJSON(),
  };
  const damage: Array<[string, unknown]> = [["null", null], ["a string", "1"], ["huge", 1e300], ["2^40", 2 ** 40], ["fractional", 0.5], ["negative", -3], ["[]", []], ["{}", {}], ["true", true]];

  for (const [name, good] of Object.entries(models)) {
    it(`${name}: 1500 single-value damages`, () => {
      expect(() => loadModel(good)).not.toThrow();
      const bad: string[] = [];
      let refused = 0;
      for (let c = 0; c < 1500; c++) {
        const json = structuredClone(good);
        const all = slots(json);
        const [container, key] = all[Math.floor(r() * all.length)];
        const d = Math.floor(r() * (damage.length + 1));
        let what = "removed";
        if (d === damage.length) {
          if (Array.isArray(container)) container.splice(key as number, 1);
          else delete container[key];
        } else {
          what = damage[d][0];
          container[key] = structuredClone(damage[d][1]);
        }
        try {
          loadModel(json);
        } catch (err) {
          refused++;
          const msg = (err as Error).message;
          if ((err as Error).name !== "ModelFileError" || !PATH_LINE.test(msg)) bad.push(`${String(key)} ${what}: ${(err as Error).name}: ${msg}`);
        }
      }
      expect(bad.slice(0, 8), `${bad.length} of ${refused} refusals without a path`).toEqual([]);
      expect(refused).toBeGreaterThan(300);
    }, 120_000);
  }
});
