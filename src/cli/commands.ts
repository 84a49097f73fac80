/** Every CLI command, one file each; main.ts registers them in this order. */
import type { Command } from "commander";
import { genCommand } from "./gen.js";
import { inspectCommand } from "./inspect.js";

export const COMMANDS: Array<() => Command> = [
  genCommand,
  inspectCommand,
];
