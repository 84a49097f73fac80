/**
 * The board shell in Verilog: `emitShellVerilog(manifest, identity)` returns shell.v, top module
 * `scoutloop_board`, speaking board protocol v1 (docs/board-protocol.md) around a scorer core with
 * the ports of docs/firmware.md. The protocol logic is hand-written HDL (src/rtl/hdl/*.v, read at
 * run time from the package); what depends on the build — the HELLO identity ROM and the core's
 * widths, formats and latency — is generated here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../native.js";
import { encodeHelloReply } from "../hil/codec.js";
import { PROTOCOL_VERSION, type HelloInfo } from "../hil/protocol.js";
import { formatFixed, parseFixed } from "../scoring/fixed.js";
import type { CoreManifest } from "./core.js";

/** What the shell reads from a core's manifest (core.json; a user's hand-written one needs only these). */
export type ShellCoreManifest = Pick<CoreManifest, "modelId" | "nFeatures" | "inWidth" | "outWidth" | "outSigned" | "inputFormat" | "outputFormat" | "latency"> & {
  top?: string;
  ii?: number;
};

/** Who the board says it is (HELLO_REPLY) and how its UART is clocked. */
export interface ShellIdentity {
  boardName: string;
  firmwareId: string;
  firmwareHash: string;
  clockMHz: number;
  /** UART bit time in clock cycles (clock / baud rate). */
  clocksPerBit: number;
  /** Events per SCORE the board takes; bounds the request buffers (≤ 4096). */
  maxBatch: number;
}

/** Static HDL of the shell, in dependency order. */
export const SHELL_HDL_FILES = ["sl_uart.v", "sl_cobs.v", "sl_engine.v"] as const;
export const HDL_DIR = join(PACKAGE_ROOT, "src", "rtl", "hdl");

/** Replies the shell keeps for resent SCORE requests (keyed by seq and request CRC). */
export const REPLY_CACHE_SLOTS = 4;

export class ShellError extends Error {
  override name = "ShellError";
}

/** The HELLO the shell built from `manifest` and `identity` will answer with. */
export function shellHello(manifest: ShellCoreManifest, identity: ShellIdentity): HelloInfo {
  return {
    protocolVersion: PROTOCOL_VERSION,
    nFeatures: manifest.nFeatures,
    maxBatch: identity.maxBatch,
    clockKHz: Math.round(identity.clockMHz * 1000),
    latencyCycles: manifest.latency,
    initiationInterval: manifest.ii ?? 1,
    boardName: identity.boardName,
    firmwareId: identity.firmwareId,
    firmwareHash: identity.firmwareHash,
    modelId: manifest.modelId,
    inputFormat: formatFixed(parseFixed(manifest.inputFormat)),
    outputFormat: formatFixed(parseFixed(manifest.outputFormat)),
  };
}

function checkManifest(m: ShellCoreManifest, id: ShellIdentity): void {
  const bad: string[] = [];
  const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!intIn(m.nFeatures, 1, 64)) bad.push(`nFeatures ${m.nFeatures} outside 1..64`);
  if (!intIn(m.inWidth, 1, 32)) bad.push(`inWidth ${m.inWidth} outside 1..32`);
  if (!intIn(m.outWidth, 1, 32)) bad.push(`outWidth ${m.outWidth} outside 1..32`);
  if (!intIn(m.latency, 0, 4096)) bad.push(`latency ${m.latency} outside 0..4096`);
  if ((m.ii ?? 1) !== 1) bad.push(`ii ${m.ii}: the shell feeds cores with II = 1`);
  if (!intIn(id.maxBatch, 1, 4096)) bad.push(`maxBatch ${id.maxBatch} outside 1..4096`);
  if (!intIn(id.clocksPerBit, 4, 1 << 20)) bad.push(`clocksPerBit ${id.clocksPerBit}: need an integer ≥ 4`);
  try {
    const fi = parseFixed(m.inputFormat);
    const fo = parseFixed(m.outputFormat);
    if (fi.width !== m.inWidth) bad.push(`inWidth ${m.inWidth} != width of ${m.inputFormat}`);
    if (fo.width !== m.outWidth) bad.push(`outWidth ${m.outWidth} != width of ${m.outputFormat}`);
    if (fo.signed !== m.outSigned) bad.push(`outSigned ${m.outSigned} disagrees with ${m.outputFormat}`);
  } catch (err) {
    bad.push((err as Error).message);
  }
  if (bad.length) throw new ShellError(`core manifest cannot go into the shell: ${bad.join("; ")}`);
}

const hex2 = (b: number) => b.toString(16).padStart(2, "0");

/** The HELLO_REPLY payload as a Verilog case ROM. */
function identityRom(payload: Buffer): string {
  const rows: string[] = [];
  for (let i = 0; i < payload.length; i++) rows.push(`      11'd${i}: data = 8'h${hex2(payload[i]!)};`);
  return `// HELLO_REPLY payload (docs/board-protocol.md §4.2), ${payload.length} bytes
module scoutloop_identity_rom (
  input  wire [10:0] addr,
  output reg  [7:0]  data
);
  always @* begin
    case (addr)
${rows.join("\n")}
      default: data = 8'h00;
    endcase
  end
endmodule
`;
}

function topModule(m: ShellCoreManifest, id: ShellIdentity, helloLen: number): string {
  const inSigned = parseFixed(m.inputFormat).signed;
  let fifo = 4;
  while (fifo < m.latency + 4) fifo *= 2;
  return `// Board top: UART (or a byte stream from a PS-side daemon, link_sel = 1) -> protocol engine ->
// scorer core. Model ${m.modelId}: ${m.nFeatures} features of ${m.inputFormat}, score ${m.outputFormat},
// core latency ${m.latency} cycles at ${id.clockMHz} MHz; UART ${id.clocksPerBit} cycles per bit.
module scoutloop_board #(
  parameter CLKS_PER_BIT = ${id.clocksPerBit},
  // Simulation only (Verilator harness): add sim_idle_cycles to the cycle counter while the
  // harness skips idle time, and clock the core only while it holds events.
  parameter SIM_WARP = 0,
  parameter SIM_GATE_CORE = 0
) (
  input  wire        clk,
  input  wire        rst,
  input  wire        uart_rxd,
  output wire        uart_txd,
  input  wire        link_sel,
  input  wire        s_rx_valid,
  input  wire [7:0]  s_rx_data,
  output wire        s_rx_ready,
  output wire        m_tx_valid,
  output wire [7:0]  m_tx_data,
  input  wire        m_tx_ready,
  input  wire [31:0] sim_idle_cycles,
  output wire        idle,
  output wire [31:0] stat_dropped_frames,
  output wire [31:0] stat_rx_overruns,
  output wire [31:0] stat_requests
);
  localparam NF = ${m.nFeatures};
  localparam IW = ${m.inWidth};
  localparam OW = ${m.outWidth};

  wire u_valid, u_ferr, u_idle, u_ready;
  wire [7:0] u_data;
  sl_uart_rx #(.CLKS_PER_BIT(CLKS_PER_BIT)) uart_rx (.clk(clk), .rst(rst), .rxd(uart_rxd), .valid(u_valid), .data(u_data),
    .framing_error(u_ferr), .idle(u_idle));

  wire e_rx_valid = link_sel ? s_rx_valid : u_valid;
  wire [7:0] e_rx_data = link_sel ? s_rx_data : u_data;
  wire e_rx_ready;
  wire engine_on; // the engine's clock runs this cycle (always, unless SIM_GATE_CORE)
  // A byte is taken only on a cycle the engine is clocked (its enable is latched half a cycle
  // before the edge, so a byte offered by the stream first wakes it up).
  assign s_rx_ready = link_sel && e_rx_ready && engine_on;
  wire e_tx_valid;
  wire [7:0] e_tx_data;
  wire e_tx_ready = link_sel ? m_tx_ready : u_ready;
  assign m_tx_valid = link_sel && e_tx_valid;
  assign m_tx_data = e_tx_data;
  sl_uart_tx #(.CLKS_PER_BIT(CLKS_PER_BIT)) uart_tx (.clk(clk), .rst(rst), .valid(!link_sel && e_tx_valid), .data(e_tx_data),
    .ready(u_ready), .txd(uart_txd));

  wire c_in_valid, c_in_ready, c_out_valid, c_out_ready, c_out_sat, c_busy, e_idle, feat_load;
  wire [NF*IW-1:0] e_features;
  reg [NF*IW-1:0] c_in_features;
  wire [47:0] c_in_tag, c_out_tag;
  wire [OW-1:0] c_out_score;
  wire [10:0] rom_addr;
  wire [7:0] rom_data;
  wire e_need_clock, engine_clk;

  // Free-running 64-bit cycle counter from reset (SIM_WARP: plus the cycles the harness skipped).
  reg [63:0] cycle;
  always @(posedge clk) begin
    if (rst) cycle <= 64'd0;
    else cycle <= cycle + 64'd1 + (SIM_WARP != 0 ? {32'd0, sim_idle_cycles} : 64'd0);
  end
  scoutloop_identity_rom rom (.addr(rom_addr), .data(rom_data));

  sl_engine #(
    .NF(NF), .IW(IW), .OW(OW), .IN_SIGNED(${inSigned ? 1 : 0}), .OUT_SIGNED(${m.outSigned ? 1 : 0}),
    .MAX_BATCH(${id.maxBatch}), .HELLO_LEN(${helloLen}), .CACHE_SLOTS(${REPLY_CACHE_SLOTS}), .FIFO_DEPTH(${fifo})
  ) engine (
    .clk(engine_clk), .rst(rst),
    .rx_valid(e_rx_valid), .rx_data(e_rx_data), .rx_ready(e_rx_ready),
    .tx_valid(e_tx_valid), .tx_data(e_tx_data), .tx_ready(e_tx_ready),
    .core_in_valid(c_in_valid), .core_in_ready(c_in_ready), .core_in_features(e_features), .core_feat_load(feat_load), .core_in_tag(c_in_tag),
    .core_out_valid(c_out_valid), .core_out_ready(c_out_ready), .core_out_score(c_out_score),
    .core_out_saturated(c_out_sat), .core_out_tag(c_out_tag), .core_busy(c_busy),
    .rom_addr(rom_addr), .rom_data(rom_data), .cycle(cycle), .idle(e_idle), .need_clock(e_need_clock),
    .stat_dropped_frames(stat_dropped_frames), .stat_rx_overruns(stat_rx_overruns), .stat_requests(stat_requests)
  );
  assign idle = e_idle && u_idle && u_ready;

  // The core's feature register loads once per event. In simulation (SIM_GATE_CORE) it, the
  // protocol engine and the core run on gated clocks: the feature register only on its load
  // cycle, the engine only when its state can change (need_clock), the core only while it holds
  // events. An empty pipeline clocked with in_valid low changes nothing a port can see; and
  // the simulator evaluates a clock domain's logic only on that domain's edges, so the wide
  // comparator logic of a forest is not recomputed on every cycle a UART bit arrives.
  wire core_clk;
  generate
    if (SIM_GATE_CORE != 0) begin : g_gate
      reg en_l, ld_l, eng_l;
      always @(negedge clk) begin
        en_l <= rst || c_busy;
        ld_l <= feat_load;
        eng_l <= rst || e_need_clock;
      end
      assign core_clk = clk & en_l;
      assign engine_clk = clk & eng_l;
      assign engine_on = eng_l;
      wire feat_clk = clk & ld_l;
      always @(posedge feat_clk) c_in_features <= e_features;
    end else begin : g_free
      assign core_clk = clk;
      assign engine_clk = clk;
      assign engine_on = 1'b1;
      always @(posedge clk) if (feat_load) c_in_features <= e_features;
    end
  endgenerate

  ${m.top ?? "scoutloop_scorer"} core (
    .clk(core_clk), .rst(rst),
    .in_valid(c_in_valid), .in_ready(c_in_ready), .in_features(c_in_features), .in_tag(c_in_tag),
    .out_valid(c_out_valid), .out_ready(c_out_ready), .out_score(c_out_score), .out_saturated(c_out_sat), .out_tag(c_out_tag)
  );
endmodule
`;
}

/** shell.v: the static shell HDL, the identity ROM and the `scoutloop_board` top for this core. */
export function emitShellVerilog(manifest: ShellCoreManifest, identity: ShellIdentity): string {
  checkManifest(manifest, identity);
  const hello = shellHello(manifest, identity);
  const payload = encodeHelloReply(0, hello).payload;
  const parts = SHELL_HDL_FILES.map((f) => readFileSync(join(HDL_DIR, f), "utf8"));
  return [
    `// scoutloop board shell (generated by scoutloop; static parts from src/rtl/hdl/). Board protocol v1.`,
    `// Firmware ${identity.firmwareId}${identity.firmwareHash ? ` (${identity.firmwareHash})` : ""}, board ${identity.boardName}.`,
    "",
    ...parts,
    identityRom(payload),
    topModule(manifest, identity, payload.length),
  ].join("\n");
}
