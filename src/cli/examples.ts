/**
 * One worked example per command, shown at the end of its `--help` (commands that write their
 * own "Example" block keep it). Paths name only files the examples before them create, or files in
 * the repository (boards/, fixtures/), so a new user can paste them in order.
 */
import type { Command } from "commander";

export const EXAMPLES: Record<string, string> = {
  gen: "scoutloop gen --orbits 100 --out bkg.h5                  # lossless scoutloop HDF5; --layout adc2021 for the ADC2021 layout",
  inspect: "scoutloop inspect bkg.h5                                 # any event file: counts per kind, pT/η/φ ranges",
  convert: "scoutloop convert bkg.h5 bkg.csv                         # to DarkMachines CSV, prints what the CSV drops",
  run: "scoutloop run --in bkg.h5 --report out/                  # software model vs the emulated board, paired by (orbit, bx)",
  worker: "scoutloop worker --connect tcp://127.0.0.1:5560      # after: scoutloop run --software native --remote-workers 2",
  compare: "scoutloop compare --in bkg.h5 --a software --b native    # two backends on the same events, event by event",
  frame: "scoutloop frame bkg.h5 --out bkg.raw                     # --header scdaq writes the real Run-3 format, one file per stream",
  deframe: "scoutloop deframe bkg.raw --json                         # header mode detected; faults by kind with byte offsets",
  replay: "scoutloop replay bkg.raw --rate lhc                      # paced at 11.2455 kHz, drops and latency counted",
  board: "scoutloop board serve --profile emulator-zmq --model if.json",
  "board serve": "scoutloop board serve --profile emulator-zmq --model if.json --fault wrong-bits=0.001",
  "board hello": "scoutloop board hello --profile emulator-zmq           # identity of a running board (board serve first)",
  "board check": "scoutloop board check boards/zcu104-zmq.json             # validate a profile",
  "board vectors": "scoutloop board vectors                                  # the protocol's hex test vectors",
  nplm: "scoutloop nplm --signal Ato4l --inject-fraction 0.02        # NPLM test of data against the reference",
  gp: "scoutloop gp --mass 2 --inject 0,300,600                  # Gaussian-process resonance search on a dijet spectrum",
  pad: "scoutloop pad --signal Ato4l --lambdas 0,0.01,0.05          # PAD/FBM signal-fraction fit",
  import: "scoutloop import hls4ml my-hls4ml-project --out ae.json",
  "import hls4ml": "scoutloop import hls4ml my-hls4ml-project --out ae.json   # an hls4ml project as a scoutloop model",
  "import conifer": "scoutloop import conifer my-prj/my_prj.json --out if.json   # conifer's model.save() as a scoutloop forest",
  "import isotree": "scoutloop import isotree trees.json --sample-size 256 --out if.json   # isotree's to_json() output",
  export: "scoutloop export conifer --model if.json --out if-conifer.json",
  "export hls4ml": "scoutloop export hls4ml --model ae.json --out ae-hls4ml   # an hls4ml project of a scoutloop ae/vae",
  "export conifer": "scoutloop export conifer --model if.json --out if-conifer.json",
  report: "scoutloop report out/                                    # one self-contained HTML file from a run directory",
  monitor: "scoutloop monitor --signal Ato4l --inject-fraction 0.02 --html monitor.html",
  inject: "scoutloop inject --fractions 0,0.01,0.05 --variable M_inv --html inject.html",
  kfold: "scoutloop kfold --models iforest,gmm --k 5               # AUC mean ± std per model and signal",
  train: "scoutloop train --model iforest --in bkg.h5 --out if.json",
  score: "scoutloop score --model if.json --in bkg.h5 --fixed --out scores.txt",
  eval: "scoutloop eval --model if.json --bkg bkg.h5 --sig sig.h5 # AUC, TPR at FPR 1e-5, threshold for 1 kHz",
};

/** Append the example of `cmd` and of each subcommand that has none of its own (keys: "board serve"). */
export function withExamples(cmd: Command, parent = ""): Command {
  const path = parent ? `${parent} ${cmd.name()}` : cmd.name();
  const example = EXAMPLES[path];
  // Commands that print their own "Example(s):" block mark it with this help text already.
  const own = (cmd as unknown as NodeJS.EventEmitter).listenerCount("afterHelp") > 0;
  if (example && !own) cmd.addHelpText("after", `\nExample:\n  $ ${example}\n`);
  for (const sub of cmd.commands) withExamples(sub, path);
  return cmd;
}
