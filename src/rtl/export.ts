/**
 * `rtl export`: a directory a second simulator (Icarus Verilog) runs as is —
 *   scorer.v, core.json             the generated core and its manifest
 *   tb.v                            testbench: reads tb_input_features.dat, drives the core with a
 *                                   fixed pseudo-random out_ready pattern (stalls), writes
 *                                   rtl_output.dat and compares with tb_output_predictions.dat
 *   tb_input_features.dat           hls4ml style: one event per line, raw input-format integers
 *   tb_output_predictions.dat       the software model's raw score bits, one per line
 *   shell.v                         the board shell (top scoutloop_board, src/rtl/shell.ts), when
 *                                   asked for; Icarus elaborates it as a second, idle root
 * `iverilog -g2012 -o sim *.v && vvp sim` in the directory reproduces the predictions.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { N_FEATURES } from "../events/features.js";
import { collectSample } from "../scoring/sample.js";
import type { ScoringModel } from "../scoring/model.js";
import { generateOrbits } from "../trigger/index.js";
import { generateScorerCore, type CoreManifest, type CoreOptions, type ScorerCore } from "./core.js";

/** Raw input bits of `n` generated events (the seeded background generator, as `run` uses). */
export function generatedVectors(model: ScoringModel, n: number, seed = 1): Int32Array {
  if (model.nFeatures !== N_FEATURES) throw new RangeError(`generated vectors have ${N_FEATURES} features, the model takes ${model.nFeatures}`);
  const s = collectSample(generateOrbits({ seed, orbits: 1_000_000 }), n);
  return model.quantizeInputs(s.features, s.n);
}

/** The Icarus testbench for a core (plain Verilog, one top module `tb`). */
export function testbenchVerilog(m: CoreManifest, n: number): string {
  const NF = m.nFeatures, IW = m.inWidth, OW = m.outWidth;
  const score = m.outSigned ? "$signed(out_score)" : "out_score";
  return `// Testbench for scoutloop_scorer (model ${m.modelId}, ${m.kind}), written by ${m.generator}.
// Reads tb_input_features.dat (one event per line: ${NF} raw ${m.inputFormat} integers), drives the
// core with out_ready low on ~1 cycle in 4 (a fixed LFSR pattern, so flow control is exercised),
// writes rtl_output.dat (one raw ${m.outputFormat} score per line) and compares every score with
// tb_output_predictions.dat and every tag with the event's index. Run in this directory:
//   iverilog -g2012 -o sim *.v && vvp -n sim
\`timescale 1ns/1ps
module tb;
  localparam NF = ${NF};
  localparam IW = ${IW};
  localparam OW = ${OW};
  localparam N = ${n};
  localparam MAX_REPORTED = 20;

  reg clk = 1'b0;
  reg rst = 1'b1;
  always #5 clk = ~clk;

  reg              in_valid = 1'b0;
  wire             in_ready;
  reg [NF*IW-1:0]  in_features = {NF*IW{1'b0}};
  reg [47:0]       in_tag = 48'd0;
  wire             out_valid;
  reg              out_ready = 1'b1;
  wire [OW-1:0]    out_score;
  wire             out_saturated;
  wire [47:0]      out_tag;

  scoutloop_scorer dut (
    .clk(clk), .rst(rst),
    .in_valid(in_valid), .in_ready(in_ready), .in_features(in_features), .in_tag(in_tag),
    .out_valid(out_valid), .out_ready(out_ready), .out_score(out_score), .out_saturated(out_saturated), .out_tag(out_tag)
  );

  integer fin, fexp, fout, r, j, v, expected;
  integer sent = 0, got = 0, mismatches = 0, tag_errors = 0;
  reg taken = 1'b0;
  reg [31:0] lfsr = 32'h1;

  initial begin
    fin = $fopen("tb_input_features.dat", "r");
    fexp = $fopen("tb_output_predictions.dat", "r");
    fout = $fopen("rtl_output.dat", "w");
    if (fin == 0 || fexp == 0 || fout == 0) begin
      $display("ERROR: cannot open tb_input_features.dat, tb_output_predictions.dat or rtl_output.dat");
      $finish;
    end
    repeat (4) @(posedge clk);
    rst <= 1'b0;
  end

  // Inputs change on the falling edge; handshakes are taken on the rising edge.
  always @(negedge clk) begin
    if (!rst) begin
      if (!in_valid || taken) begin
        if (sent < N) begin
          for (j = 0; j < NF; j = j + 1) begin
            r = $fscanf(fin, "%d", v);
            if (r != 1) begin
              $display("ERROR: tb_input_features.dat ends inside event %0d", sent);
              $finish;
            end
            in_features[j*IW +: IW] = v[IW-1:0];
          end
          in_tag = sent;
          in_valid = 1'b1;
          sent = sent + 1;
        end else begin
          in_valid = 1'b0;
        end
      end
      lfsr = {lfsr[30:0], lfsr[31] ^ lfsr[21] ^ lfsr[1] ^ lfsr[0]};
      out_ready = lfsr[1:0] != 2'b00;
    end
  end

  always @(posedge clk) begin
    taken <= !rst && in_valid && in_ready;
    if (!rst && out_valid && out_ready) begin
      $fwrite(fout, "%0d \\n", ${score});  // hls4ml style: value, space, newline
      r = $fscanf(fexp, "%d", expected);
      if (r != 1 || ${score} != expected) begin
        if (mismatches < MAX_REPORTED) $display("MISMATCH event %0d: rtl %0d, software %0d", got, ${score}, expected);
        mismatches = mismatches + 1;
      end
      if (out_tag != got) tag_errors = tag_errors + 1;
      got = got + 1;
      if (got == N) begin
        $fclose(fout);
        if (mismatches == 0 && tag_errors == 0) $display("PASS: %0d events, every score equals the software model's", N);
        else $display("FAIL: %0d of %0d events differ, %0d tags out of order", mismatches, N, tag_errors);
        $finish;
      end
    end
  end

  initial begin
    #(10 * (8 * N + 1000));
    $display("FAIL: timeout after %0d of %0d events", got, N);
    $finish;
  end
endmodule
`;
}

/** hls4ml-style .dat text: one row per line, values followed by a space. */
function datLines(values: ArrayLike<number>, perRow: number): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i += perRow) {
    let line = "";
    for (let k = 0; k < perRow; k++) line += `${values[i + k]} `;
    parts.push(line);
  }
  return parts.length ? `${parts.join("\n")}\n` : "";
}

export interface ExportOptions extends CoreOptions {
  /** Raw input rows to write (n × nFeatures). */
  raw: Int32Array;
  n: number;
  /** The board shell's Verilog (shell.v) for the generated core, when wanted. */
  shell?: (core: ScorerCore) => string;
}

export interface ExportResult {
  manifest: CoreManifest;
  files: string[];
}

/** Write the export directory; predictions are the (unfaulted) software model's raw score bits. */
export function exportRtl(model: ScoringModel, dir: string, opts: ExportOptions): ExportResult {
  const core = generateScorerCore(model, { fault: opts.fault });
  const predictions = model.scoreFixedRaw(opts.raw, opts.n);
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ["scorer.v", core.verilog],
    ["core.json", `${JSON.stringify(core.manifest, null, 2)}\n`],
    ["tb.v", testbenchVerilog(core.manifest, opts.n)],
    ["tb_input_features.dat", datLines(opts.raw.subarray(0, opts.n * model.nFeatures), model.nFeatures)],
    ["tb_output_predictions.dat", datLines(predictions, 1)],
  ];
  if (opts.shell) files.push(["shell.v", opts.shell(core)]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return { manifest: core.manifest, files: files.map(([name]) => name) };
}
