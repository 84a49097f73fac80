/** `scoutloop rtl report DIR`: yosys resource counts and the stated latency of a scorer core. */
import { Command, Option } from "commander";
import { formatReport, reportCore } from "../rtl/report.js";
import { InputError } from "./errors.js";
import { emit, intOption, UsageError } from "./util.js";

export function rtlReportCommand(): Command {
  return new Command("report")
    .description("synthesise a scorer core with yosys (generic synth and synth_xilinx) and print cells, LUT, FF, DSP counts and the stated latency")
    .argument("<dir>", "directory with scorer.v and core.json (from rtl export or rtl build)")
    .option("--no-generic", "skip the technology-independent synth (it is slow on large constant-weight networks)")
    .option("--no-xilinx", "skip synth_xilinx (generic synth only)")
    .option("--timeout <minutes>", "give up on a yosys run after this long", intOption(1, 24 * 60), 30)
    .addOption(new Option("--family <family>", "synth_xilinx device family").choices(["xcup", "xcu", "xc7"]).default("xcup"))
    .option("--json", "print the report as JSON")
    .addHelpText("after", "\nExample:\n  scoutloop rtl export --model model.json --out rtl-out && scoutloop rtl report rtl-out\n")
    .action(async (dir: string, o: { generic: boolean; xilinx: boolean; family: "xcup" | "xcu" | "xc7"; timeout: number; json?: boolean }) => {
      if (!o.generic && !o.xilinx) throw new UsageError("--no-generic with --no-xilinx leaves nothing to synthesise");
      let report;
      try {
        report = await reportCore(dir, { generic: o.generic, xilinx: o.xilinx, family: o.family, timeoutMs: o.timeout * 60_000 });
      } catch (err) {
        if (err instanceof RangeError) throw new InputError(err.message); // no core in the directory: an input problem (exit 3)
        throw err;
      }
      emit(Boolean(o.json), report, () => formatReport(report));
    });
}
