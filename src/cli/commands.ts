/** Every CLI command, one file each; main.ts registers them in this order. */
import type { Command } from "commander";
import { genCommand } from "./gen.js";
import { inspectCommand } from "./inspect.js";
import { runCommand } from "./run.js";
import { workerCommand } from "./worker.js";
import { compareCommand } from "./compare.js";
import { diffCommand } from "./diff.js";
import { frameCommand } from "./frame.js";
import { deframeCommand } from "./deframe.js";
import { replayCommand } from "./replay.js";
import { boardCommand } from "./board.js";
import { reportCommand } from "./report.js";
import { monitorCommand } from "./monitor.js";
import { injectCommand } from "./inject.js";
import { kfoldCommand } from "./kfold.js";
import { nplmCommand } from "./nplm.js";
import { gpCommand } from "./gp.js";
import { padCommand } from "./pad.js";
import { regressCommand } from "./regress.js";
import { trainCommand } from "./train.js";
import { scoreCommand } from "./score.js";
import { evalCommand } from "./eval.js";
import { rtlCommand } from "./rtl.js";
import { exportCommand, importCommand } from "./interchange.js";
import { convertCommand } from "./convert.js";
import { withExamples } from "./examples.js";

const COMMAND_FACTORIES: Array<() => Command> = [
  genCommand,
  inspectCommand,
  runCommand,
  workerCommand,
  compareCommand,
  diffCommand,
  frameCommand,
  deframeCommand,
  replayCommand,
  boardCommand,
  reportCommand,
  monitorCommand,
  injectCommand,
  kfoldCommand,
  nplmCommand,
  gpCommand,
  padCommand,
  regressCommand,
  trainCommand,
  scoreCommand,
  evalCommand,
  rtlCommand,
  importCommand,
  exportCommand,
  convertCommand,
];

/** Every command, each with its worked example in --help (examples.ts). */
export const COMMANDS: Array<() => Command> = COMMAND_FACTORIES.map((make) => () => withExamples(make()));
