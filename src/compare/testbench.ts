/**
 * Mismatching events as an hls4ml testbench: `tb_input_features.dat` / `tb_output_predictions.dat`
 * (one event per line, values separated by spaces, as hls4ml's `myproject_test.cpp` reads them with
 * `iss >> value`), so a firmware engineer can replay exactly the events that disagreed in csim or
 * cosim. Beside them the same events as raw fixed-point words (`*.raw.dat`, signed integers), and
 * the other scorer's answer (`tb_other_predictions*.dat`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MismatchRecord } from "./comparator.js";

/** W, I of a fixed-point format: value = raw × 2^−(W−I). */
export interface WordFormat { width: number; int: number }

const value = (raw: number, f: WordFormat) => raw * 2 ** -(f.width - f.int);

/** Write the testbench files; returns the files written and how many records had no inputs. */
export function writeMismatchTestbench(dir: string, mismatches: readonly MismatchRecord[], inputFormat: WordFormat, outputFormat: WordFormat): { files: string[]; events: number; withoutInputs: number } {
  mkdirSync(dir, { recursive: true });
  const usable = mismatches.filter((m) => m.inputs !== null);
  const lines = (f: (m: MismatchRecord) => string) => usable.map(f).join("\n") + (usable.length ? "\n" : "");
  const score = (raw: number | null, v: number, raws: boolean) => (raw === null ? (raws ? "nan" : String(v)) : raws ? String(raw) : String(value(raw, outputFormat)));
  const files: Record<string, string> = {
    "tb_input_features.dat": lines((m) => m.inputs!.map((r) => String(value(r, inputFormat))).join(" ")),
    "tb_input_features.raw.dat": lines((m) => m.inputs!.join(" ")),
    "tb_output_predictions.dat": lines((m) => score(m.a.raw, m.a.value, false)),
    "tb_output_predictions.raw.dat": lines((m) => score(m.a.raw, m.a.value, true)),
    "tb_other_predictions.dat": lines((m) => score(m.b.raw, m.b.value, false)),
    "tb_other_predictions.raw.dat": lines((m) => score(m.b.raw, m.b.value, true)),
    "tb_events.txt": lines((m) => `orbit ${m.orbit} bx ${m.bx} ${m.a.scorer} ${m.rawBits.a ?? "-"} ${m.b.scorer} ${m.rawBits.b ?? "-"} xor ${m.rawXor ?? "-"}`),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { files: Object.keys(files), events: usable.length, withoutInputs: mismatches.length - usable.length };
}
