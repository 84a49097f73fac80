/** `scoutloop rtl report DIR`: yosys resource counts and the stated latency of a scorer core. */
import { Command, Option } from "commander";
import { formatReport, reportCore } from "../rtl/report.js";
import { emit, UsageError } from "./util.js";

export function rtlReportCommand(): Command {
  return new Command("report")
    .description("synthesise a scorer core with yosys (generic synth and synth_xilinx) and print cells, LUT, FF, DSP counts and the stated latency")
    .argument("<dir>", "directory with scorer.v and core.json (from rtl export or rtl build)")
    .option("--no-xilinx", "skip synth_xilinx (generic synth only)")
    .addOption(new Option("--family <family>", "synth_xilinx device family").choices(["xcup", "xcu", "xc7"]).default("xcup"))
    .option("--json", "print the report as JSON")
    .addHelpText("after", "\nExample:\n  scoutloop rtl export --model model.json --out rtl-out && scoutloop rtl report rtl-out\n")
    .action(async (dir: string, o: { xilinx: boolean; family: "xcup" | "xcu" | "xc7"; json?: boolean }) => {
      let report;
      try {
        report = await reportCore(dir, { xilinx: o.xilinx, family: o.family });
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(err.message);
        throw err;
      }
      emit(Boolean(o.json), report, () => formatReport(report));
    });
}
