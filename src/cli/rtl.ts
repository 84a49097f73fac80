/**
 * `scoutloop rtl …`: the RTL board — generated Verilog scorer cores, the Verilog board shell and
 * Verilator in the loop. One function per subcommand, each in its own file, listed here.
 */
import { Command } from "commander";
import { rtlExportCommand } from "./rtl-export.js";
import { rtlReportCommand } from "./rtl-report.js";
import { rtlBuildCommand, rtlServeCommand } from "./rtl-sim.js";

export const RTL_SUBCOMMANDS: Array<() => Command> = [
  rtlBuildCommand,
  rtlServeCommand,
  rtlExportCommand,
  rtlReportCommand,
];

export function rtlCommand(): Command {
  const cmd = new Command("rtl")
    .description("RTL boards: verilate a model's Verilog board and serve it like a dev kit; export scorer cores for Icarus; yosys resource reports")
    .addHelpText("after", "\nExamples:\n  scoutloop rtl build --model model.json --out build/rtl && scoutloop rtl serve build/rtl --pty\n  scoutloop rtl export --model model.json --out rtl-out --vectors 1000\n");
  for (const make of RTL_SUBCOMMANDS) {
    const sub = make();
    sub.exitOverride();
    cmd.addCommand(sub);
  }
  return cmd;
}
