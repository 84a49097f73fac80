/** `scoutloop import` / `scoutloop export`: models to and from other tools' formats (hls4ml, conifer). */
import { Command, Option } from "commander";
import { writeFileSync } from "node:fs";
import { formatFixed } from "../scoring/fixed.js";
import { exportHls4mlProject, importHls4mlProject, NORMALISATION_FILE } from "../scoring/hls4ml.js";
import { exportConifer } from "../scoring/iforest-io.js";
import { IsolationForestModel } from "../scoring/iforest.js";
import { importModelFile, loadModel } from "../scoring/load.js";
import type { ScoringModel } from "../scoring/model.js";
import { DenseNetModel } from "../scoring/nn.js";
import { emit, intOption, UsageError } from "./util.js";

/** Write an imported model as scoutloop JSON and say what it is (reloading it must give the same model). */
function writeImported(model: ScoringModel, out: string, json: boolean): void {
  const text = JSON.stringify(model.toJSON(), null, 1) + "\n";
  if (loadModel(JSON.parse(text)).id !== model.id) throw new Error(`import: ${out} would not reload as the same model (id ${model.id}); this is a bug`);
  writeFileSync(out, text);
  emit(json, { out, id: model.id, kind: model.kind, nFeatures: model.nFeatures }, () => `wrote ${out}: ${model.kind} ${model.id}, ${model.nFeatures} features`);
}

export function importCommand(): Command {
  const cmd = new Command("import").description("convert another tool's model into a scoutloop model file");
  cmd.addCommand(new Command("hls4ml")
    .description("read an hls4ml project (firmware/defines.h, parameters.h, <project>.cpp, weights/*.txt) into a network JSON whose weights are exactly the firmware's\n\nexample: scoutloop import hls4ml my-hls4ml-prj --out ae.json")
    .argument("<dir>", "the hls4ml project directory (its OutputDir)")
    .requiredOption("--out <model.json>", "where to write the scoutloop model")
    .addOption(new Option("--kind <kind>", "score: ae = Σ(input − output)², vae = ‖output‖² (default: ae when output and input widths agree)").choices(["ae", "vae"]))
    .option("--output-format <type>", "fixed-point type of the score (default ap_ufixed<18,14,AP_RND_CONV,AP_SAT>)")
    .option("--json", "print the summary as JSON")
    .action((dir: string, o) => {
      const json = importHls4mlProject(dir, { kind: o.kind, outputFormat: o.outputFormat });
      const model = loadModel(json); // validates what was read
      writeFileSync(o.out, JSON.stringify(json, null, 1) + "\n");
      const layers = (json.layers as Array<Record<string, unknown>>).map((l) => `${l.nIn}→${l.nOut} ${l.activation}`);
      emit(Boolean(o.json), { out: o.out, id: model.id, kind: model.kind, layers }, () => `wrote ${o.out}: ${model.kind} ${model.id}, layers ${layers.join(", ")}`);
    }));
  cmd.addCommand(new Command("conifer")
    .description("read a conifer JSON (conifer's model.save()) into a scoutloop isolation forest scored as conifer's firmware sums (precisions and backend from its config)")
    .argument("<file>", "the conifer JSON")
    .requiredOption("--out <model.json>", "where to write the scoutloop model")
    .option("--json", "print the summary as JSON")
    .action((file: string, o) => writeImported(importModelFile(file, "conifer"), o.out, Boolean(o.json))));
  cmd.addCommand(new Command("isotree")
    .description("read isotree's to_json() output (ndim 1: an isolation forest; ndim > 1: an extended forest, float only) into a scoutloop model")
    .argument("<file>", "isotree to_json() output (the list of trees), or scoutloop's wrapper {isotree, sampleSize}")
    .requiredOption("--out <model.json>", "where to write the scoutloop model")
    .option("--sample-size <n>", "the per-tree sample size ψ the model was fitted with (to_json() does not record it)", intOption(2, 1 << 30))
    .option("--n-features <n>", "number of input columns (default: the highest column used + 1)", intOption(1, 4096))
    .addOption(new Option("--missing-action <action>", "isotree's missing_action_ (ndim 1: only fail is scored faithfully; ndim > 1: the file's imputation values say it)").choices(["fail", "divide", "impute"]))
    .option("--json", "print the summary as JSON")
    .action((file: string, o) => writeImported(importModelFile(file, "isotree", { sampleSize: o.sampleSize, nFeatures: o.nFeatures, missingAction: o.missingAction }), o.out, Boolean(o.json))));
  return cmd;
}

export function exportCommand(): Command {
  const cmd = new Command("export").description("write a scoutloop model in another tool's format");
  cmd.addCommand(new Command("hls4ml")
    .description("write a dense network as an hls4ml-style weight set and project files (weights printed as hls4ml prints them, exactly the raw values)\n\nexample: scoutloop export hls4ml --model ae.json --out prj")
    .requiredOption("--model <model.json>", "a scoutloop ae/vae model")
    .requiredOption("--out <dir>", "project directory to write")
    .option("--project <name>", "project name", "myproject")
    .option("--json", "print the summary as JSON")
    .action((o) => {
      const model = loadModel(o.model);
      if (!(model instanceof DenseNetModel)) throw new UsageError(`export hls4ml needs a dense network (ae/vae), ${o.model} is ${model.kind}`);
      const files = exportHls4mlProject(model, o.out, o.project);
      emit(Boolean(o.json), { out: o.out, files }, () =>
        `wrote ${files.length} files under ${o.out} (the input normalisation is not part of an hls4ml project: it is in ${NORMALISATION_FILE}; the score ${model.kind === "ae" ? "Σ(input − output)²" : "‖μ‖²"} in ${formatFixed(model.outputFormat)} is computed after the network)`);
    }));
  cmd.addCommand(new Command("conifer")
    .description("write an isolation forest as conifer JSON that conifer's firmware scores bit for bit like scoutloop\n\nexample: scoutloop export conifer --model if.json --out if-conifer.json")
    .requiredOption("--model <model.json>", "a scoutloop iforest model")
    .requiredOption("--out <file.json>", "where to write the conifer JSON")
    .option("--json", "print the summary as JSON")
    .action((o) => {
      const model = loadModel(o.model);
      if (!(model instanceof IsolationForestModel)) throw new UsageError(`export conifer needs an isolation forest, ${o.model} is ${model.kind}`);
      const json = exportConifer(model);
      writeFileSync(o.out, JSON.stringify(json) + "\n");
      emit(Boolean(o.json), { out: o.out, hlsEqual: json.conifer_hls_equal ?? null }, () => `wrote ${o.out}${json.conifer_hls_equal === false ? " (conifer's HLS adder tree may differ from scoutloop on saturating sums)" : ""}`);
    }));
  return cmd;
}
