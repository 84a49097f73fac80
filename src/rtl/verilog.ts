/**
 * Small helpers for emitting plain Verilog-2005 that Verilator 5.006 (`--lint-only -Wall`),
 * Icarus 11 (`-g2012`) and yosys 0.23 all accept: sized literals, sign extension, and the
 * stall-able valid/tag pipeline every scorer core shares (see docs/firmware.md).
 */

/** Bits needed to hold every integer in [lo, hi] as a two's-complement signed value. */
export function signedWidth(lo: number, hi: number): number {
  let w = 1;
  while (lo < -(2 ** (w - 1)) || hi > 2 ** (w - 1) - 1) w++;
  return w;
}

/** A sized signed decimal literal, e.g. `-18'sd5`; the most negative value is spelled in hex. */
export function sLit(value: number, width: number): string {
  if (!Number.isInteger(value) || value < -(2 ** (width - 1)) || value > 2 ** (width - 1) - 1) {
    throw new RangeError(`literal ${value} does not fit ${width} signed bits`);
  }
  if (value === -(2 ** (width - 1))) return `${width}'sh${(2 ** (width - 1)).toString(16)}`;
  return value < 0 ? `-${width}'sd${-value}` : `${width}'sd${value}`;
}

/** A sized unsigned literal of the low `width` bits of `value` (two's complement for negatives). */
export function uLit(value: number, width: number): string {
  const m = 2 ** width;
  const v = ((value % m) + m) % m;
  return `${width}'d${v}`;
}

/** Sign-extend the signed expression `expr` of `from` bits to `to` bits (an identifier or a part-select). */
export function sext(expr: string, from: number, to: number): string {
  if (to < from) throw new RangeError(`cannot sign-extend ${from} to ${to} bits`);
  if (to === from) return expr;
  const sign = from === 1 ? expr : `${expr}[${from - 1}]`;
  return `{{${to - from}{${sign}}}, ${expr}}`;
}

/** One pipeline register stage of the shared skeleton. */
export interface StageRegs {
  /** Verilog declarations of the stage's data registers. */
  decls: string[];
  /** Non-blocking assignments executed when the pipeline advances. */
  assigns: string[];
}

/**
 * The shared core skeleton: ports of the scorer interface, the global-stall rule
 * (`advance = !out_valid || out_ready`, `in_ready = advance`), a valid bit and a tag register per
 * stage, and the caller's data stages in order. Stage k (1-based) is written by `stages[k-1]`.
 */
export function coreModule(opts: {
  header: string[];
  nFeatures: number;
  inWidth: number;
  outWidth: number;
  /** Declarations and continuous assignments before the registers (combinational logic feeding stage 1, …). */
  body: string[];
  stages: StageRegs[];
  /** Expression of the last stage's score (outWidth bits) and saturation flag. */
  score: string;
  saturated: string;
}): string {
  const L = opts.stages.length;
  if (L < 1) throw new RangeError("a core needs at least one register stage");
  const NFIW = opts.nFeatures * opts.inWidth;
  const lines: string[] = [];
  lines.push(...opts.header.map((h) => (h ? `// ${h}` : "//")));
  lines.push("`default_nettype none");
  lines.push("/* verilator lint_off DECLFILENAME */  // the file is scorer.v by contract");
  lines.push("module scoutloop_scorer (");
  lines.push("  input  wire        clk,");
  lines.push("  input  wire        rst,            // synchronous, active high");
  lines.push("  input  wire        in_valid,");
  lines.push("  output wire        in_ready,");
  lines.push(`  input  wire [${NFIW - 1}:0] in_features,  // feature i = in_features[i*${opts.inWidth} +: ${opts.inWidth}]`);
  lines.push("  input  wire [47:0] in_tag,         // {orbit[31:0], bx[15:0]}, carried alongside");
  lines.push("  output wire        out_valid,");
  lines.push("  input  wire        out_ready,");
  lines.push(`  output wire [${opts.outWidth - 1}:0] out_score,`);
  lines.push("  output wire        out_saturated,");
  lines.push("  output wire [47:0] out_tag");
  lines.push(");");
  lines.push("  /* verilator lint_off UNUSEDPARAM */");
  lines.push(`  localparam LATENCY = ${L};  // register stages from in_valid&&in_ready to out_valid`);
  lines.push("  /* verilator lint_on UNUSEDPARAM */");
  lines.push("");
  lines.push("  // Global stall: every stage moves on the same cycle, or none does.");
  lines.push("  wire advance = !out_valid || out_ready;");
  lines.push("  assign in_ready = advance;");
  lines.push("");
  lines.push(...opts.body.map((l) => (l ? `  ${l}` : "")));
  lines.push("");
  lines.push("  // Valid bits (reset) and event tags (no reset) of every stage.");
  lines.push(`  reg [${L}:1] valid_q;`);
  for (let k = 1; k <= L; k++) lines.push(`  reg [47:0] tag_${k};`);
  lines.push("  always @(posedge clk) begin");
  lines.push(`    if (rst) valid_q <= ${L}'d0;`);
  lines.push(`    else if (advance) valid_q <= ${L === 1 ? "in_valid" : `{valid_q[${L - 1}:1], in_valid}`};`);
  lines.push("  end");
  lines.push("  always @(posedge clk) begin");
  lines.push("    if (advance) begin");
  lines.push("      tag_1 <= in_tag;");
  for (let k = 2; k <= L; k++) lines.push(`      tag_${k} <= tag_${k - 1};`);
  lines.push("    end");
  lines.push("  end");
  for (const [i, s] of opts.stages.entries()) {
    lines.push("");
    lines.push(`  // Stage ${i + 1}`);
    lines.push(...s.decls.map((d) => `  ${d}`));
    if (s.assigns.length) {
      lines.push("  always @(posedge clk) begin");
      lines.push("    if (advance) begin");
      lines.push(...s.assigns.map((a) => `      ${a}`));
      lines.push("    end");
      lines.push("  end");
    }
  }
  lines.push("");
  lines.push(`  assign out_valid = valid_q[${L}];`);
  lines.push(`  assign out_tag = tag_${L};`);
  lines.push(`  assign out_score = ${opts.score};`);
  lines.push(`  assign out_saturated = ${opts.saturated};`);
  lines.push("endmodule");
  lines.push("`default_nettype wire");
  return `${lines.join("\n")}\n`;
}

/** A lint-clean sink for input bits a core does not use (Verilator -Wall flags unused bits otherwise). */
export function unusedSink(name: string, exprs: string[]): string[] {
  if (exprs.length === 0) return [];
  return [
    "/* verilator lint_off UNUSED */",
    `wire ${name} = &{1'b0, ${exprs.join(", ")}};`,
    "/* verilator lint_on UNUSED */",
  ];
}
