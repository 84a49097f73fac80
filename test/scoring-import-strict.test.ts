/**
 * Other tools' model files read strictly (issue 11): each mutation of a valid file gives one exact
 * line naming the JSON path, no coercion, counts bounded before anything is sized by them; the
 * CLI exits 3 on a bad model in `import conifer|isotree|hls4ml` and in `run --model`.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel } from "../src/scoring/load.js";
import { cliSync } from "./helpers/cli.js";
import { expectModelRows } from "./helpers/modelTable.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "models");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIX, name), "utf8")) as Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), "scoutloop-import-strict-"));


/** A copy of `json` with `edit` applied (deep copy first, so rows do not share state). */
function mutate<T>(json: T, edit: (j: any) => void): T {
  const copy = structuredClone(json);
  edit(copy);
  return copy;
}

describe("conifer JSON read strictly", () => {
  const good = fixture("conifer-tiny.json");
  const t0 = "conifer.trees[0][0]";

  it("the fixture and a conifer save() with every field it writes load", () => {
    expect(loadModel(good).kind).toBe("iforest");
    const saved = mutate(good, (j) => {
      j.feature_map = { feat_0: 0, feat_1: 1, feat_2: 2 };
      j.metadata = [{ version: "1.9", host: "h", user: "u", time: 1.7e9 }];
      j.config = { output_dir: "/tmp/prj", project_name: "prj", backend: "cpp", input_precision: "ap_fixed<18,8>", threshold_precision: "ap_fixed<18,8>", weight_precision: "ap_fixed<18,8>", score_precision: "ap_fixed<18,8>" };
    });
    expect(loadModel(saved).kind).toBe("iforest");
  });

  it("each mutation → the exact one-line error with its JSON path", () => {
    expectModelRows([
      [{ ...good, extra: 1 }, "conifer.extra: unknown field"],
      [{ ...good, n_features: "3" }, 'conifer.n_features: expected an integer in [1, 4096], got "3"'],
      [{ ...good, n_features: 10_000_000 }, "conifer.n_features: expected an integer in [1, 4096], got 10000000"],
      [{ ...good, n_classes: 3 }, "conifer.n_classes: multi-class models (3 classes) are not anomaly scorers"],
      [{ ...good, n_trees: 3 }, "conifer.trees: 2 trees, but n_trees = 3"],
      [{ ...good, n_trees: null }, "conifer.n_trees: expected an integer in [1, 100000], got null"],
      [{ ...good, max_depth: 1e9 }, "conifer.max_depth: expected an integer in [0, 4096], got 1000000000"],
      [{ ...good, norm: null }, "conifer.norm: expected a finite number, got null"],
      [{ ...good, norm: "-0.25" }, 'conifer.norm: expected a finite number, got "-0.25"'],
      [{ ...good, init_predict: [] }, "conifer.init_predict: expected 1 entries, got 0"],
      [{ ...good, init_predict: ["0"] }, 'conifer.init_predict[0]: expected a finite number, got "0"'],
      [{ ...good, splitting_convention: ">" }, 'conifer.splitting_convention: expected one of "<", "<=", got ">"'],
      [{ ...good, library: 7 }, "conifer.library: expected a string, got 7"],
      [{ ...good, feature_map: { a: 3 } }, "conifer.feature_map.a: expected an integer in [0, 2], got 3"],
      [{ ...good, config: [] }, "conifer.config: expected an object, got []"],
      [{ ...good, config: { backend: "vhdl" } }, 'conifer.config.backend: "vhdl": its firmware\'s sum order is not modelled (cpp, xilinxhls are); choose one explicitly'],
      [{ ...good, config: { backend: "cpp", Backend: "xilinxhls" } }, "conifer.config.Backend: disagrees with config.backend"],
      [{ ...good, config: { input_precision: 18 } }, "conifer.config.input_precision: expected a string, got 18"],
      [{ ...good, config: { InputPrecision: "ap_fixed<18>" } }, 'conifer.config.InputPrecision: "ap_fixed<18>": expected 2 to 5 template arguments'],
      [{ ...good, config: { weight_precision: "ap_fixed<8,1>" } }, "conifer.config.weight_precision: ap_fixed<8,1> cannot hold the one-hot weight 1, so its firmware compares a scaled input"],
      [{ ...good, trees: [good.trees[0], [good.trees[1][0], good.trees[1][0]]] }, "conifer.trees[1]: 2 entries, at most 1 allowed"],
      [mutate(good, (j) => (j.trees[0][0].bogus = 1)), `${t0}.bogus: unknown field`],
      [mutate(good, (j) => (j.trees[0][0].feature[0] = 3)), `${t0}.feature[0]: expected -2 (a leaf) or a feature index in [0, 2], got 3`],
      [mutate(good, (j) => (j.trees[0][0].feature[0] = 2 ** 40)), `${t0}.feature[0]: expected -2 (a leaf) or a feature index in [0, 2], got 1099511627776`],
      [mutate(good, (j) => (j.trees[0][0].feature[1] = -1)), `${t0}.feature[1]: expected -2 (a leaf) or a feature index in [0, 2], got -1`],
      [mutate(good, (j) => (j.trees[0][0].feature[0] = "0")), `${t0}.feature[0]: expected -2 (a leaf) or a feature index in [0, 2], got "0"`],
      [mutate(good, (j) => j.trees[0][0].value.pop()), `${t0}.value: expected 5 entries (one per node, as feature), got 4`],
      [mutate(good, (j) => (j.trees[0][0].threshold[0] = null)), `${t0}.threshold[0]: expected a finite number, got null`],
      [mutate(good, (j) => (j.trees[0][0].value[1] = "2")), `${t0}.value[1]: expected a finite number, got "2"`],
      [mutate(good, (j) => (j.trees[0][0].children_left[2] = 7)), `${t0}.children_left[2]: expected an integer in [1, 4], got 7`],
      [mutate(good, (j) => (j.trees[0][0].children_left[2] = 1.5)), `${t0}.children_left[2]: expected an integer in [1, 4], got 1.5`],
      [mutate(good, (j) => (j.trees[0][0].children_right[1] = 3)), `${t0}.children_right[1]: expected an integer in [-1, -1], got 3`],
      [mutate(good, (j) => (j.trees[0][0].children_left[2] = 1)), `${t0}.children_left[2]: node 1 is reached a second time (not a tree)`],
      [mutate(good, (j) => (j.trees[0][0].weight[0] = [1, 0])), `${t0}.weight[0]: expected 3 entries, got 2`],
      [mutate(good, (j) => (j.trees[0][0].weight[0] = [0.5, 0.5, 0])), `${t0}.weight[0]: an oblique split (not one-hot on feature 0): not supported`],
    ]);
  });

  it("a cycle is refused, not walked for ever; depth 4096 loads and 4097 is refused at the child that goes too deep", () => {
    expectModelRows([
      [mutate(good, (j) => (j.trees[0][0].children_left[2] = 0)), `${t0}.children_left[2]: expected an integer in [1, 4], got 0`], // back to the root
      [mutate(good, (j) => (j.trees[0][0].children_left[2] = 2)), `${t0}.children_left[2]: node 2 is reached a second time (not a tree)`], // a self-loop
    ]);
    const chain = (depth: number) => {
      const t = { feature: [] as number[], threshold: [] as number[], value: [] as number[], children_left: [] as number[], children_right: [] as number[] };
      for (let d = 0; d < depth; d++) {
        const node = t.feature.length;
        t.feature.push(0, -2); t.threshold.push(d, -2); t.value.push(0, d);
        t.children_left.push(node + 2, -1); t.children_right.push(node + 1, -1);
      }
      t.feature.push(-2); t.threshold.push(-2); t.value.push(1); t.children_left.push(-1); t.children_right.push(-1);
      return { ...good, n_features: 1, n_trees: 1, max_depth: depth, trees: [[t]] };
    };
    expect(loadModel(chain(4096)).kind).toBe("iforest");
    expectModelRows([[{ ...chain(4097), max_depth: 4096 }, `${t0}.children_left[8192]: node 8194 is at depth 4097, deeper than the 4096-level limit`]]);
  });

  it("import conifer writes a scoutloop model with the same id; a bad file exits 3 in one line", () => {
    const out = join(dir, "if.json");
    const ok = cliSync(["import", "conifer", join(FIX, "conifer-tiny.json"), "--out", out, "--json"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).id).toBe(loadModel(join(FIX, "conifer-tiny.json")).id);
    expect(loadModel(out).id).toBe(loadModel(join(FIX, "conifer-tiny.json")).id);
    const bad = join(dir, "bad-conifer.json");
    writeFileSync(bad, JSON.stringify(mutate(good, (j) => (j.trees[0][0].children_left[2] = 7))));
    for (const args of [["import", "conifer", bad, "--out", join(dir, "x.json")], ["run", "--model", bad, "--orbits", "1"]]) {
      const r = cliSync(args);
      expect(r.code).toBe(3);
      expect(r.stderr.trim()).toBe(`scoutloop: invalid model ${bad}: ${t0}.children_left[2]: expected an integer in [1, 4], got 7`);
    }
    const notConifer = cliSync(["import", "conifer", join(FIX, "vae-tiny.json"), "--out", join(dir, "y.json")]);
    expect(notConifer.code).toBe(3);
    expect(notConifer.stderr.trim()).toBe(`scoutloop: invalid model ${join(FIX, "vae-tiny.json")}: not a conifer model (no n_trees, n_features and trees)`);
  }, 60_000);
});

describe("isotree to_json() read strictly", () => {
  const g1 = fixture("isotree-real-ndim1.json"); // 43 nodes in tree 0; node 3 is a leaf
  const g2 = fixture("isotree-real-ndim2.json"); // 31 nodes in tree 0
  const n0 = `$.isotree[0]["0"]`;
  const node = (j: any, i: number) => j.isotree[0][String(i)];

  it("the models are the ones the old importer made from the real isotree files (same ids)", () => {
    // Ids (hashes of the whole model JSON) as the importer before the strict reader made them.
    expect(loadModel(g1).id).toBe("12a9ea20a7cc38c0");
    expect(loadModel(g2).id).toBe("d5ab5801928bbdb1");
    expect(loadModel(fixture("isotree-tiny.json")).id).toBe("a920955d0b069330");
    expect(loadModel(fixture("conifer-tiny.json")).id).toBe("6365e9efe8fa5991");
  });

  it("ndim 1: each mutation → the exact one-line error with its JSON path", () => {
    expectModelRows([
      [{ ...g1, extra: 1 }, "$.extra: unknown field"],
      [{ ...g1, sampleSize: "64" }, '$.sampleSize: expected an integer in [2, 1073741824], got "64"'],
      [{ ...g1, nFeatures: 10_000_000 }, "$.nFeatures: expected an integer in [1, 4096], got 10000000"],
      [{ ...g1, missingAction: "auto" }, '$.missingAction: expected one of "fail", "divide", "impute", got "auto"'],
      [{ ...g1, missingAction: "divide" }, 'missingAction: missing_action "divide" of an ndim = 1 model is not supported (its to_json() does not carry the imputation; only "fail" is scored faithfully)'],
      [{ ...g1, isotree: [g1.isotree[0], []] }, "$.isotree[1]: expected an object, got []"],
      [mutate(g1, (j) => (node(j, 0).bogus = 1)), `${n0}.bogus: unknown field`],
      [mutate(g1, (j) => (node(j, 0).terminal = false)), `${n0}.terminal: expected a string, got false`],
      [mutate(g1, (j) => (node(j, 0).value = "0.478681")), `${n0}.value: expected a finite number, got "0.478681"`],
      [mutate(g1, (j) => (node(j, 0).value = null)), `${n0}.value: expected a finite number, got null`],
      [mutate(g1, (j) => (node(j, 0).threshold = 0.5)), `${n0}.threshold: disagrees with value (an alias of it)`],
      [mutate(g1, (j) => (node(j, 0).node_when_condition_is_met = 43)), `${n0}.node_when_condition_is_met: expected an integer in [1, 42], got 43`],
      [mutate(g1, (j) => (node(j, 0).node_when_condition_is_met = 1.5)), `${n0}.node_when_condition_is_met: expected an integer in [1, 42], got 1.5`],
      [mutate(g1, (j) => (node(j, 0).node_when_condition_is_not_met = 1)), `${n0}.node_when_condition_is_not_met: node 1 is reached a second time (not a tree)`],
      [mutate(g1, (j) => delete j.isotree[0]["5"]), '$.isotree[0]["5"]: missing (a tree\'s 42 nodes are numbered "0" … "41")'],
      [mutate(g1, (j) => (node(j, 0).column = "column_9")), `${n0}.column: column 9 is outside the 3 features`],
      [mutate(g1, (j) => (node(j, 0).column = "nope")), `${n0}.column: unknown column "nope"`],
      [mutate(g1, (j) => (node(j, 0).column = 2 ** 40)), `${n0}.column: expected an integer in [0, 2], got 1099511627776`],
      [mutate(g1, (j) => (node(j, 0).column_type = "categorical")), `${n0}.column_type: "categorical" columns are not supported (only numeric)`],
      [mutate(g1, (j) => (node(j, 0).condition = "=")), `${n0}.condition: expected "<=" (a numeric split), got "="`],
      [mutate(g1, (j) => (node(j, 0).range_low = 0)), `${n0}.range_low: range penalties (penalize_range=True) are not supported`],
      [mutate(g1, (j) => (node(j, 0).fraction_yes = 2)), `${n0}.fraction_yes: expected a number in [0, 1], got 2`],
      [mutate(g1, (j) => (node(j, 3).score = null)), '$.isotree[0]["3"].score: expected a finite number, got null'],
      [mutate(g1, (j) => (node(j, 3).leaf = "0")), '$.isotree[0]["3"].leaf: expected an integer in [0, 42], got "0"'],
      [mutate(g1, (j) => (node(j, 3).column = "column_0")), '$.isotree[0]["3"].column: unknown field'],
    ]);
  });

  it("ndim 2: each mutation → the exact one-line error with its JSON path", () => {
    const c = `${n0}.combination`;
    expectModelRows([
      [mutate(g2, (j) => (node(j, 0).combination = [])), `${c}: 0 entries, at least 1 needed`],
      [mutate(g2, (j) => (node(j, 0).combination = [...node(j, 0).combination, ...node(j, 0).combination])), `${c}: 4 entries, at most 3 allowed`],
      [mutate(g2, (j) => (node(j, 0).combination[0].extra = 1)), `${c}[0].extra: unknown field`],
      [mutate(g2, (j) => (node(j, 0).combination[0].coefficient = "0.5")), `${c}[0].coefficient: expected a finite number, got "0.5"`],
      [mutate(g2, (j) => (node(j, 0).combination[1].centering = null)), `${c}[1].centering: expected a finite number, got null`],
      [mutate(g2, (j) => delete node(j, 0).combination[1].imputation_value), `${c}[1].imputation_value: missing here but not on the model's other terms`],
      [mutate(g2, (j) => (node(j, 0).combination[0].category = "a")), `${c}[0].category: categorical columns are not supported (only numeric)`],
      [mutate(g2, (j) => (node(j, 0).combination[0].column = "column_3")), `${c}[0].column: column 3 is outside the 3 features`],
      [mutate(g2, (j) => (node(j, 0).fraction_yes = 0.5)), `${n0}.fraction_yes: unknown field`],
      [mutate(g2, (j) => { const { combination: _, ...rest } = node(j, 1); j.isotree[0]["1"] = { ...rest, column: "column_0" }; }), '$.isotree[0]["1"]: single-variable and hyperplane splits mixed in one model'],
      [{ ...g2, missingAction: "fail" }, 'missingAction: "fail", but the hyperplanes carry imputation values (missing_action "impute")'],
    ]);
  });

  it("depth 4096 loads, 4097 is refused at the child that goes too deep", () => {
    const chain = (depth: number) => {
      const t: Record<string, unknown> = {};
      for (let d = 0; d < depth; d++) {
        t[String(2 * d)] = { terminal: "no", node_when_condition_is_met: 2 * d + 2, node_when_condition_is_not_met: 2 * d + 1, column: "column_0", column_type: "numeric", condition: "<=", value: d };
        t[String(2 * d + 1)] = { terminal: "yes", score: d + 1, leaf: d };
      }
      t[String(2 * depth)] = { terminal: "yes", score: depth, leaf: depth };
      return { sampleSize: 256, isotree: [t] };
    };
    expect(loadModel(chain(4096)).kind).toBe("iforest");
    expectModelRows([[chain(4097), '$.isotree[0]["8192"].node_when_condition_is_met: node 8194 is at depth 4097, deeper than the 4096-level limit']]);
  });

  it("import isotree reads the bare to_json() list with --sample-size (same model as the wrapper); a bad file exits 3 in one line", () => {
    const bare = join(dir, "trees.json");
    writeFileSync(bare, JSON.stringify(g2.isotree));
    const out = join(dir, "eif.json");
    const ok = cliSync(["import", "isotree", bare, "--sample-size", "64", "--out", out, "--json"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).id).toBe(loadModel(g2).id);
    expect(loadModel(out).id).toBe(loadModel(g2).id);
    const noPsi = cliSync(["import", "isotree", bare, "--out", out]);
    expect(noPsi.code).toBe(3);
    expect(noPsi.stderr.trim()).toBe(`scoutloop: invalid model ${bare}: isotree's to_json() does not record the per-tree sample size ψ: give it (--sample-size)`);
    const badBare = join(dir, "bad-trees.json");
    writeFileSync(badBare, JSON.stringify(mutate(g1, (j) => (node(j, 0).value = null)).isotree));
    const r = cliSync(["import", "isotree", badBare, "--sample-size", "64", "--out", out]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(`scoutloop: invalid model ${badBare}: $[0]["0"].value: expected a finite number, got null`);
    const badWrapped = join(dir, "bad-wrapped.json");
    writeFileSync(badWrapped, JSON.stringify(mutate(g1, (j) => (node(j, 0).node_when_condition_is_met = 43))));
    for (const args of [["import", "isotree", badWrapped, "--out", out], ["run", "--model", badWrapped, "--orbits", "1"]]) {
      const w = cliSync(args);
      expect(w.code).toBe(3);
      expect(w.stderr.trim()).toBe(`scoutloop: invalid model ${badWrapped}: ${n0}.node_when_condition_is_met: expected an integer in [1, 42], got 43`);
    }
  }, 60_000);
});
