/**
 * A hand-written scorer core with the ports of docs/firmware.md, for shell tests that must not
 * depend on the model generator: score = the sum of the (sign-extended) features, saturated to
 * a signed OW-bit score; `latency` pipeline registers under the global-stall rule.
 */
import type { RtlCore } from "../../src/rtl/build.js";

export interface FixtureCoreOptions {
  nFeatures: number;
  inWidth: number;
  outWidth: number;
  latency: number;
  modelId?: string;
  inputFormat?: string;
  outputFormat?: string;
}

export function fixtureCore(o: FixtureCoreOptions): RtlCore {
  const { nFeatures: nf, inWidth: iw, outWidth: ow, latency: l } = o;
  if (l < 1) throw new Error("fixture core needs latency >= 1");
  const terms = Array.from({ length: nf }, (_, i) => `{{${40 - iw}{in_features[${i * iw + iw - 1}]}}, in_features[${i * iw} +: ${iw}]}`);
  const verilog = `// fixture core (test/helpers/rtlFixtureCore.ts): saturated sum of ${nf} features
module scoutloop_scorer (
  input  wire clk, input wire rst,
  input  wire in_valid, output wire in_ready,
  input  wire [${nf * iw - 1}:0] in_features, input wire [47:0] in_tag,
  output wire out_valid, input wire out_ready,
  output wire [${ow - 1}:0] out_score, output wire out_saturated, output wire [47:0] out_tag
);
  wire advance = !out_valid || out_ready;
  assign in_ready = advance;
  wire signed [39:0] sum = ${terms.map((t) => `$signed(${t})`).join(" + ")};
  localparam signed [39:0] MAXV = (40'sd1 <<< ${ow - 1}) - 40'sd1;
  localparam signed [39:0] MINV = -(40'sd1 <<< ${ow - 1});
  wire hi = sum > MAXV, lo = sum < MINV;
  wire [${ow - 1}:0] clipped = hi ? MAXV[${ow - 1}:0] : lo ? MINV[${ow - 1}:0] : sum[${ow - 1}:0];
  reg [${l - 1}:0] v;
  reg [47:0] tag [0:${l - 1}];
  reg [${ow - 1}:0] sc [0:${l - 1}];
  reg [${l - 1}:0] sat;
  integer k;
  always @(posedge clk) begin
    if (rst) v <= 0;
    else if (advance) begin
      v[0] <= in_valid;
      tag[0] <= in_tag;
      sc[0] <= clipped;
      sat[0] <= hi || lo || sum == MAXV || sum == MINV;
      for (k = 1; k < ${l}; k = k + 1) begin
        v[k] <= v[k - 1];
        tag[k] <= tag[k - 1];
        sc[k] <= sc[k - 1];
        sat[k] <= sat[k - 1];
      end
    end
  end
  assign out_valid = v[${l - 1}];
  assign out_score = sc[${l - 1}];
  assign out_saturated = sat[${l - 1}];
  assign out_tag = tag[${l - 1}];
endmodule
`;
  return {
    verilog,
    manifest: {
      top: "scoutloop_scorer",
      modelId: o.modelId ?? "fixture00sum0000",
      nFeatures: nf,
      inWidth: iw,
      outWidth: ow,
      outSigned: true,
      inputFormat: o.inputFormat ?? `ap_fixed<${iw},${iw}>`,
      outputFormat: o.outputFormat ?? `ap_fixed<${ow},${ow}>`,
      latency: l,
      ii: 1,
    },
  };
}

/** What the fixture core computes for one event's raw (sign-extended) features. */
export function fixtureScore(features: ArrayLike<number>, inWidth: number, outWidth: number): { score: number; saturated: boolean } {
  let sum = 0;
  for (let i = 0; i < features.length; i++) {
    const low = features[i]! & ((1 << inWidth) - 1);
    sum += low >= 1 << (inWidth - 1) ? low - (1 << inWidth) : low;
  }
  const max = 2 ** (outWidth - 1) - 1;
  const min = -(2 ** (outWidth - 1));
  const score = Math.min(max, Math.max(min, sum));
  return { score, saturated: score === max || score === min };
}
