/** Every CLI command, one file each; main.ts registers them in this order. */
import type { Command } from "commander";

export const COMMANDS: Array<() => Command> = [];
