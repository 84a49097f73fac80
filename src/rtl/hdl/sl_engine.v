// scoutloop board protocol v1 engine (docs/board-protocol.md): COBS-framed bytes in and out, two
// request buffers (one fills while the other is scored), a reply RAM of CACHE_SLOTS cached SCORE
// replies plus one scratch slot (HELLO_REPLY, PONG, ERROR), and the scorer core's stream ports.
//
// Every length is bounded before it is buffered: a frame longer than the largest request the
// board advertises (MAX_BATCH events) stops being stored, is read to its delimiter and answered
// with ERROR (BATCH_TOO_LARGE or BAD_LENGTH, with the seq its header held). A frame that is not
// valid COBS or is shorter than a header is dropped and counted; the next 0x00 resynchronises.
//
// Timing: a request is checked once its delimiter arrived, then scored event by event (one
// feature byte per cycle into the core's input register, then a valid/ready handshake); the
// 64-bit cycle counter is latched at the input handshake (ingress) and the output handshake
// (egress) of every event. The reply is built in RAM with its CRC, then sent while the next
// request is received.
module sl_engine #(
  parameter NF = 57,
  parameter IW = 18,
  parameter OW = 18,
  parameter IN_SIGNED = 1,
  parameter OUT_SIGNED = 1,
  parameter MAX_BATCH = 256,
  parameter HELLO_LEN = 137,
  parameter CACHE_SLOTS = 4,
  parameter FIFO_DEPTH = 16
) (
  input  wire            clk,
  input  wire            rst,
  // encoded bytes from the PHY (UART or stream)
  input  wire            rx_valid,
  input  wire [7:0]      rx_data,
  output wire            rx_ready,
  // encoded bytes to the PHY
  output reg             tx_valid,
  output reg  [7:0]      tx_data,
  input  wire            tx_ready,
  // scorer core
  output wire            core_in_valid,
  input  wire            core_in_ready,
  output wire [NF*IW-1:0] core_in_features, // assembled features: load into the core's input register on feat_load
  output wire            core_feat_load,
  output wire [47:0]     core_in_tag,
  input  wire            core_out_valid,
  output wire            core_out_ready,
  input  wire [OW-1:0]   core_out_score,
  input  wire            core_out_saturated,
  input  wire [47:0]     core_out_tag,
  output wire            core_busy,
  // identity ROM (HELLO_REPLY payload)
  output wire [10:0]     rom_addr,
  input  wire [7:0]      rom_data,
  // the board's free-running cycle counter (latched at ingress and egress, sent in PONG)
  input  wire [63:0]     cycle,
  output wire            idle,
  // the engine's state changes on the next edge only if this is high (simulation gates its clock)
  output wire            need_clock,
  output reg  [31:0]     stat_dropped_frames,
  output reg  [31:0]     stat_rx_overruns,
  output reg  [31:0]     stat_requests
);
  // ---- sizes ----
  localparam EV_BYTES = 8 + 4 * NF;
  localparam REQ_MAX = 28 + MAX_BATCH * EV_BYTES;          // largest request frame stored
  localparam RAW = $clog2(REQ_MAX);
  localparam REQ_SLOT = 1 << RAW;
  localparam SCORE_REPLY_MAX = 28 + 28 * MAX_BATCH;
  localparam REPLY_MAX0 = SCORE_REPLY_MAX > 20 + HELLO_LEN ? SCORE_REPLY_MAX : 20 + HELLO_LEN;
  localparam REPLY_MAX = REPLY_MAX0 > 64 ? REPLY_MAX0 : 64;
  localparam PAW = $clog2(REPLY_MAX);
  localparam REPLY_SLOT = 1 << PAW;
  localparam SLOTS = CACHE_SLOTS + 1;
  localparam SW = $clog2(SLOTS);
  localparam SCRATCH = CACHE_SLOTS;
  localparam FAW = $clog2(FIFO_DEPTH);
  localparam [31:0] MAX_PAYLOAD = 32'd1081352;


  // ---- CRC-32 (IEEE 802.3, reflected 0xEDB88320) ----
  function [31:0] crc32_byte(input [31:0] c, input [7:0] d);
    integer k;
    reg [31:0] x;
    begin
      x = c ^ {24'd0, d};
      for (k = 0; k < 8; k = k + 1) x = x[0] ? (x >> 1) ^ 32'hEDB88320 : (x >> 1);
      crc32_byte = x;
    end
  endfunction

  // ---- receive: COBS decode into the request buffers ----
  wire dec_valid, dec_end, dec_bad, dec_in_frame;
  wire [7:0] dec_data;
  reg rx_cur;              // buffer being filled
  reg [1:0] full;          // buffer holds a complete frame awaiting / under processing
  assign rx_ready = !full[rx_cur];
  wire rx_take = rx_valid && rx_ready;
  always @(posedge clk) begin
    if (rst) stat_rx_overruns <= 32'd0;
    else if (rx_valid && !rx_ready) stat_rx_overruns <= stat_rx_overruns + 1'b1; // UART has no flow control
  end
  sl_cobs_decode dec (.clk(clk), .rst(rst), .in_valid(rx_take), .in_data(rx_data), .out_valid(dec_valid), .out_data(dec_data),
    .frame_end(dec_end), .frame_bad(dec_bad), .in_frame(dec_in_frame));

  reg [7:0] req_mem [0:2*REQ_SLOT-1];
  reg [RAW:0] rx_cnt;      // bytes of the current frame, saturating at REQ_MAX + 1
  reg [31:0] rx_crc;
  reg [223:0] rx_hdr;      // decoded bytes 0..27 (header + the first 8 payload bytes)
  // per-buffer metadata of a complete frame
  reg [223:0] m_hdr [0:1];
  reg [RAW:0] m_len [0:1];
  reg [1:0]   m_ovf;
  reg [31:0]  m_crc [0:1];

  wire [RAW:0] rx_cnt_next = rx_cnt + 1'b1;
  wire rx_over = rx_cnt > REQ_MAX[RAW:0] - 1;
  always @(posedge clk) begin
    if (rst) begin
      rx_cnt <= 0;
      rx_crc <= 32'hFFFFFFFF;
      rx_cur <= 1'b0;
      stat_dropped_frames <= 32'd0;
    end else begin
      if (dec_valid) begin
        if (!rx_over) begin
          req_mem[{rx_cur, rx_cnt[RAW-1:0]}] <= dec_data;
          rx_cnt <= rx_cnt_next;
        end else rx_cnt <= REQ_MAX[RAW:0] + 1'b1;
        if (rx_cnt < 28) rx_hdr[rx_cnt[4:0]*8 +: 8] <= dec_data;
        if (rx_cnt < 16 || rx_cnt > 19) rx_crc <= crc32_byte(rx_crc, dec_data);
      end
      if (dec_end) begin
        rx_cnt <= 0;
        rx_crc <= 32'hFFFFFFFF;
        if (dec_bad || rx_cnt < 20) stat_dropped_frames <= stat_dropped_frames + 1'b1;
        else begin
          m_hdr[rx_cur] <= rx_hdr;
          m_len[rx_cur] <= rx_cnt;
          m_ovf[rx_cur] <= rx_cnt > REQ_MAX;
          m_crc[rx_cur] <= rx_crc ^ 32'hFFFFFFFF;
          rx_cur <= !rx_cur;
        end
      end
    end
  end

  // ---- request checks (docs/board-protocol.md §1, §4.7; the order of src/hil/codec.ts) ----
  reg pb;                  // buffer being processed (buffers are taken in arrival order)
  wire [223:0] h = m_hdr[pb];
  wire [31:0] h_magic = h[31:0];
  wire [7:0]  h_version = h[39:32];
  wire [7:0]  h_type = h[47:40];
  wire [31:0] h_seq = h[95:64];
  wire [31:0] h_length = h[127:96];
  wire [31:0] h_crc = h[159:128];
  wire [31:0] p_n = h[191:160];
  wire [15:0] p_f = h[207:192];
  wire [63:0] p_token = h[223:160];
  wire [RAW:0] f_len = m_len[pb];
  wire frame_ovf = m_ovf[pb];
  wire [31:0] want_score_len = 32'd8 + p_n * (32'd8 + 32'd4 * {16'd0, p_f});
  reg [3:0] err;
  always @* begin
    err = 4'd0;
    if (h_magic != 32'h50484C53) err = 4'd1;
    else if (h_version != 8'd1) err = 4'd2;
    else if (h_length > MAX_PAYLOAD) err = 4'd4;
    else if (frame_ovf) err = (h_type == 8'h02 && h_length >= 8 && p_n > MAX_BATCH) ? 4'd6 : 4'd4;
    else if (h_length != {{(31 - RAW){1'b0}}, f_len} - 32'd20) err = 4'd4;
    else if (m_crc[pb] != h_crc) err = 4'd5;
    else case (h_type)
      8'h01: if (h_length != 0) err = 4'd4;
      8'h03: if (h_length != 8) err = 4'd4;
      8'h02: begin
        if (h_length < 8) err = 4'd4;
        else if (p_n > 32'd4096) err = 4'd6;
        else if (p_f < 1 || p_f > 64) err = 4'd7;
        else if (h_length != want_score_len) err = 4'd4;
        else if (p_f != NF) err = 4'd7;
        else if (p_n > MAX_BATCH) err = 4'd6;
      end
      default: err = 4'd3;
    endcase
  end

  // ---- error texts (ERROR payload; the code is what the host acts on) ----
  function [7:0] err_len(input [3:0] code);
    case (code)
      4'd1: err_len = 8'd9;
      4'd2: err_len = 8'd28;
      4'd3: err_len = 8'd20;
      4'd4: err_len = 8'd10;
      4'd5: err_len = 8'd15;
      4'd6: err_len = 8'd15;
      4'd7: err_len = 8'd17;
      default: err_len = 8'd8;
    endcase
  endfunction
  localparam [8*9-1:0] T1 = "bad magic";
  localparam [8*28-1:0] T2 = "unsupported protocol version";
  localparam [8*20-1:0] T3 = "unknown message type";
  localparam [8*10-1:0] T4 = "bad length";
  localparam [8*15-1:0] T5 = "CRC-32 mismatch";
  localparam [8*15-1:0] T6 = "batch too large";
  localparam [8*17-1:0] T7 = "bad feature count";
  localparam [8*8-1:0] T9 = "internal";
  function [7:0] err_text(input [3:0] code, input [7:0] i);
    case (code)
      4'd1: err_text = i < 9 ? T1[8*(8 - i) +: 8] : 8'h00;
      4'd2: err_text = i < 28 ? T2[8*(27 - i) +: 8] : 8'h00;
      4'd3: err_text = i < 20 ? T3[8*(19 - i) +: 8] : 8'h00;
      4'd4: err_text = i < 10 ? T4[8*(9 - i) +: 8] : 8'h00;
      4'd5: err_text = i < 15 ? T5[8*(14 - i) +: 8] : 8'h00;
      4'd6: err_text = i < 15 ? T6[8*(14 - i) +: 8] : 8'h00;
      4'd7: err_text = i < 17 ? T7[8*(16 - i) +: 8] : 8'h00;
      default: err_text = i < 8 ? T9[8*(7 - i) +: 8] : 8'h00;
    endcase
  endfunction

  // ---- reply cache (docs/board-protocol.md §4.6): SCORE replies keyed by seq and request CRC ----
  reg [CACHE_SLOTS-1:0] c_valid;
  reg [31:0] c_seq [0:CACHE_SLOTS-1];
  reg [31:0] c_crc [0:CACHE_SLOTS-1];
  reg [PAW:0] c_len [0:CACHE_SLOTS-1];
  reg [SW-1:0] c_next;
  reg hit;
  reg [SW-1:0] hit_slot;
  integer ci;
  always @* begin
    hit = 1'b0;
    hit_slot = 0;
    for (ci = 0; ci < CACHE_SLOTS; ci = ci + 1)
      if (c_valid[ci] && c_seq[ci] == h_seq && c_crc[ci] == h_crc) begin
        hit = 1'b1;
        hit_slot = ci[SW-1:0];
      end
  end

  // ---- reply writer ----
  reg [7:0] reply_mem [0:SLOTS*REPLY_SLOT-1];
  reg [SW-1:0] w_slot;
  reg [PAW:0] w_off;
  reg [31:0] w_crc;
  reg [7:0] r_type;
  reg [31:0] r_seq;
  reg [31:0] r_len;       // payload bytes
  reg [3:0] r_err;
  reg [63:0] r_cycle;
  reg [63:0] r_token;
  reg [31:0] r_n;

  localparam [3:0] P_IDLE = 4'd0, P_CHECK = 4'd1, P_EMIT = 4'd2, P_RUN = 4'd3, P_CRC = 4'd4, P_SEND = 4'd5;
  reg [3:0] pstate;
  reg [10:0] e_idx;       // byte index while emitting header / fixed payload
  reg [10:0] e_total;
  reg [2:0] crc_i;
  wire [PAW-1:0] crc_off = 16 + crc_i[1:0];
  reg [31:0] r_req_crc;

  wire [10:0] e_p = e_idx - 11'd20;
  assign rom_addr = e_p;
  reg [7:0] e_byte;
  always @* begin
    case (e_idx)
      0: e_byte = 8'h53;
      1: e_byte = 8'h4C;
      2: e_byte = 8'h48;
      3: e_byte = 8'h50;
      4: e_byte = 8'h01;
      5: e_byte = r_type;
      6, 7, 16, 17, 18, 19: e_byte = 8'h00;
      8: e_byte = r_seq[7:0];
      9: e_byte = r_seq[15:8];
      10: e_byte = r_seq[23:16];
      11: e_byte = r_seq[31:24];
      12: e_byte = r_len[7:0];
      13: e_byte = r_len[15:8];
      14: e_byte = r_len[23:16];
      15: e_byte = r_len[31:24];
      default: case (r_type)
        8'h81: e_byte = rom_data;
        8'h83: e_byte = e_p < 8 ? r_token[e_p[2:0]*8 +: 8] : r_cycle[e_p[2:0]*8 +: 8];
        8'hFF: e_byte = e_p == 0 ? {4'd0, r_err} : e_p == 2 ? err_len(r_err) : e_p < 4 ? 8'h00 : err_text(r_err, e_p[7:0] - 8'd4);
        default: e_byte = e_p < 4 ? r_n[e_p[1:0]*8 +: 8] : 8'h00; // SCORE_REPLY: n, reserved
      endcase
    endcase
  end

  // ---- feeder: request bytes -> core input register ----
  localparam [2:0] F_OFF = 3'd0, F_READ = 3'd1, F_HOLD = 3'd2, F_DONE = 3'd3, F_LOAD = 3'd4;
  reg [2:0] fstate;
  reg [RAW-1:0] ev_base;
  reg [8:0] f_issue, f_got;
  reg [31:0] f_i;
  reg rd_pending;
  reg [8:0] rd_idx;
  reg [7:0] rd_byte;
  reg [31:0] f_orbit;
  reg [15:0] f_bx;
  reg [31:0] f_wacc;
  reg [NF*IW-1:0] f_feat;
  reg f_ovf;
  wire [31:0] f_word = {rd_byte, f_wacc[31:8]};
  // the word fits the input format iff it is the sign (zero) extension of its low IW bits
  wire [31:0] f_shl = f_word << (32 - IW);
  wire signed [31:0] f_shl_s = f_shl;
  wire [31:0] f_sext = f_shl_s >>> (32 - IW);
  wire [31:0] f_zext = f_shl >> (32 - IW);
  wire [31:0] f_ext = IN_SIGNED != 0 ? f_sext : f_zext;
  wire [RAW-1:0] f_addr = ev_base + f_issue;

  // ingress FIFO: (input overflow, ingress cycle) of the events inside the core, in order
  reg [64:0] fifo [0:FIFO_DEPTH-1];
  reg [FAW:0] fifo_wp, fifo_rp;
  wire [FAW:0] fifo_count = fifo_wp - fifo_rp;
  // results of events that left the core, waiting for the record writer (so a slow writer
  // never stalls the core: ingress + result entries together never exceed FIFO_DEPTH)
  reg [209:0] rfifo [0:FIFO_DEPTH-1];
  reg [FAW:0] rf_wp, rf_rp;
  wire [FAW:0] rf_count = rf_wp - rf_rp;
  wire fifo_full = fifo_count + rf_count >= FIFO_DEPTH;

  assign core_in_valid = fstate == F_HOLD && !fifo_full;
  assign core_in_features = f_feat;
  assign core_feat_load = fstate == F_LOAD;
  assign core_in_tag = {f_orbit, f_bx};
  wire hs_in = core_in_valid && core_in_ready;
  assign core_busy = core_in_valid || fifo_count != 0;

  // ---- record writer: core output -> 28 reply bytes ----
  reg rec_busy;
  reg [4:0] rec_j;
  reg [31:0] rec_n;
  reg [47:0] rec_tag;
  reg [7:0] rec_flags;
  reg [63:0] rec_in, rec_out;
  reg [31:0] rec_score;
  assign core_out_ready = rf_count != FIFO_DEPTH;
  wire hs_out = core_out_valid && core_out_ready;
  wire [209:0] rf_head = rfifo[rf_rp[FAW-1:0]];
  wire [64:0] fifo_head = fifo[fifo_rp[FAW-1:0]];
  wire [31:0] s_raw = core_out_score; // zero-extended
  wire [31:0] s_shl = s_raw << (32 - OW);
  wire signed [31:0] s_shl_s = s_shl;
  wire [31:0] s_sext = s_shl_s >>> (32 - OW);
  wire [31:0] s_zext = s_shl >> (32 - OW);
  wire [31:0] score_ext = OUT_SIGNED != 0 ? s_sext : s_zext;
  reg [7:0] rec_byte;
  always @* begin
    case (rec_j)
      0: rec_byte = rec_tag[23:16];
      1: rec_byte = rec_tag[31:24];
      2: rec_byte = rec_tag[39:32];
      3: rec_byte = rec_tag[47:40];
      4: rec_byte = rec_tag[7:0];
      5: rec_byte = rec_tag[15:8];
      6: rec_byte = rec_flags;
      7: rec_byte = 8'h00;
      24, 25, 26, 27: rec_byte = rec_score[(rec_j - 5'd24)*8 +: 8];
      default: rec_byte = rec_j < 16 ? rec_in[(rec_j - 5'd8)*8 +: 8] : rec_out[(rec_j - 5'd16)*8 +: 8];
    endcase
  end

  // ---- transmit: COBS-encode a reply slot ----
  localparam [2:0] T_IDLE = 3'd0, T_SCAN = 3'd1, T_CODE = 3'd2, T_EMIT = 3'd3, T_EWAIT = 3'd4, T_ESEND = 3'd5, T_DELIM = 3'd6;
  reg [2:0] tstate;
  reg [SW-1:0] t_slot;
  reg [PAW:0] t_len, t_pos, t_scan, t_run_end;
  reg [7:0] t_run;
  reg t_scan_valid;
  reg [7:0] t_rd;
  reg t_zero_end;   // the run ended at a zero byte (skip it)
  reg tx_start;
  reg [SW-1:0] tx_start_slot;
  reg [PAW:0] tx_start_len;
  wire tx_idle = tstate == T_IDLE && !tx_start && !tx_valid;

  // nothing changes without input (a frame half received just waits for its next byte)
  assign idle = pstate == P_IDLE && !full[0] && !full[1] && tx_idle;
  // Nothing moves without a byte in, work to do, or the PHY taking / ready to take a byte.
  wire tx_waits = tx_valid && !tx_ready && (tstate == T_CODE || tstate == T_EWAIT || tstate == T_DELIM);
  assign need_clock = rx_valid || pstate != P_IDLE || (full[pb] && tx_idle) || tx_start || (tx_valid && tx_ready) ||
    (tstate != T_IDLE && !tx_waits);

  integer fi;
  always @(posedge clk) begin
    tx_start <= 1'b0;
    if (rst) begin
      pstate <= P_IDLE;
      full <= 2'b00;
      pb <= 1'b0;
      c_valid <= 0;
      c_next <= 0;
      fstate <= F_OFF;
      rec_busy <= 1'b0;
      fifo_wp <= 0;
      fifo_rp <= 0;
      rf_wp <= 0;
      rf_rp <= 0;
      rd_pending <= 1'b0;
      stat_requests <= 32'd0;
    end else begin
      if (dec_end && !(dec_bad || rx_cnt < 20)) full[rx_cur] <= 1'b1;
      // one reply RAM write port: the emitter, the record writer or the CRC patch
      case (pstate)
        P_IDLE: if (full[pb] && tx_idle) pstate <= P_CHECK;
        P_CHECK: begin
          stat_requests <= stat_requests + 1'b1;
          r_seq <= h_seq;
          r_req_crc <= h_crc;
          r_err <= err;
          r_token <= p_token;
          r_cycle <= cycle;
          r_n <= p_n;
          w_off <= 0;
          w_crc <= 32'hFFFFFFFF;
          e_idx <= 0;
          if (err == 0 && h_type == 8'h02 && hit) begin
            full[pb] <= 1'b0;            // a resent request: the stored reply, not a second scoring
            pb <= !pb;
            tx_start <= 1'b1;
            tx_start_slot <= hit_slot;
            tx_start_len <= c_len[hit_slot];
            pstate <= P_IDLE;
          end else if (err == 0 && h_type == 8'h02) begin
            w_slot <= c_next;
            c_valid[c_next] <= 1'b0;
            r_type <= 8'h82;
            r_len <= 32'd8 + 32'd28 * p_n;
            e_total <= 11'd28;
            pstate <= P_EMIT;
          end else begin
            w_slot <= SCRATCH[SW-1:0];
            full[pb] <= 1'b0;            // everything needed is in registers now
            pb <= !pb;
            if (err != 0) begin
              r_type <= 8'hFF;
              r_len <= 32'd4 + err_len(err);
              e_total <= 11'd24 + err_len(err);
            end else if (h_type == 8'h01) begin
              r_type <= 8'h81;
              r_len <= HELLO_LEN;
              e_total <= 11'd20 + HELLO_LEN;
            end else begin
              r_type <= 8'h83;
              r_len <= 32'd16;
              e_total <= 11'd36;
            end
            pstate <= P_EMIT;
          end
        end
        P_EMIT: begin
          reply_mem[{w_slot, w_off[PAW-1:0]}] <= e_byte;
          if (e_idx < 16 || e_idx > 19) w_crc <= crc32_byte(w_crc, e_byte);
          w_off <= w_off + 1'b1;
          e_idx <= e_idx + 1'b1;
          if (e_idx == e_total - 1) begin
            if (r_type == 8'h82) begin
              pstate <= P_RUN;
              fstate <= r_n == 0 ? F_DONE : F_READ;
              ev_base <= 28;
              f_i <= 0;
              f_issue <= 0;
              f_got <= 0;
              rec_n <= 0;
            end else begin
              pstate <= P_CRC;
              crc_i <= 0;
            end
          end
        end
        P_RUN: begin
          if (rec_busy) begin
            reply_mem[{w_slot, w_off[PAW-1:0]}] <= rec_byte;
            w_crc <= crc32_byte(w_crc, rec_byte);
            w_off <= w_off + 1'b1;
            rec_j <= rec_j + 1'b1;
            if (rec_j == 5'd27) begin
              rec_busy <= 1'b0;
              rec_n <= rec_n + 1'b1;
            end
          end else if (fstate == F_DONE && rec_n == r_n && rf_count == 0) begin
            full[pb] <= 1'b0;
            pb <= !pb;
            fstate <= F_OFF;
            pstate <= P_CRC;
            crc_i <= 0;
          end
        end
        P_CRC: begin
          // patch the CRC into header bytes 16..19
          reply_mem[{w_slot, crc_off}] <= (w_crc ^ 32'hFFFFFFFF) >> (8 * crc_i[1:0]);
          crc_i <= crc_i + 1'b1;
          if (crc_i == 3) begin
            if (r_type == 8'h82) begin
              c_valid[w_slot] <= 1'b1;
              c_seq[w_slot] <= r_seq;
              c_crc[w_slot] <= r_req_crc;
              c_len[w_slot] <= 20 + r_len[PAW:0];
              c_next <= c_next == CACHE_SLOTS - 1 ? 0 : c_next + 1'b1;
            end
            tx_start <= 1'b1;
            tx_start_slot <= w_slot;
            tx_start_len <= 20 + r_len[PAW:0];
            pstate <= P_IDLE;
          end
        end
        default: pstate <= P_IDLE;
      endcase

      // feeder: issue reads of event bytes, assemble features, hold for the core
      rd_pending <= 1'b0;
      if (fstate == F_READ) begin
        if (f_issue < EV_BYTES) begin
          rd_byte <= req_mem[{pb, f_addr}];
          rd_idx <= f_issue;
          rd_pending <= 1'b1;
          f_issue <= f_issue + 1'b1;
        end
        if (rd_pending) begin
          f_got <= f_got + 1'b1;
          if (rd_idx < 4) f_orbit <= {rd_byte, f_orbit[31:8]};
          else if (rd_idx < 6) f_bx <= {rd_byte, f_bx[15:8]};
          else if (rd_idx >= 8) begin
            f_wacc <= f_word;
            if (rd_idx[1:0] == 2'd3) begin
              f_feat <= {f_word[IW-1:0], f_feat[NF*IW-1:IW]};
              if (f_ext != f_word) f_ovf <= 1'b1;
            end
          end
          if (f_got == EV_BYTES - 1) fstate <= F_LOAD;
        end
        if (f_issue == 0) f_ovf <= 1'b0;
      end else if (fstate == F_LOAD) begin
        fstate <= F_HOLD; // the top loads the core's feature register this cycle
      end else if (fstate == F_HOLD && hs_in) begin
        f_i <= f_i + 1'b1;
        ev_base <= ev_base + EV_BYTES;
        f_issue <= 0;
        f_got <= 0;
        fstate <= f_i + 1 == r_n ? F_DONE : F_READ;
      end
      if (hs_in) begin
        fifo[fifo_wp[FAW-1:0]] <= {f_ovf, cycle};
        fifo_wp <= fifo_wp + 1'b1;
      end
      if (hs_out) begin
        fifo_rp <= fifo_rp + 1'b1;
        rfifo[rf_wp[FAW-1:0]] <= {core_out_tag, core_out_saturated, score_ext, cycle, fifo_head};
        rf_wp <= rf_wp + 1'b1;
      end
      if (!rec_busy && rf_count != 0) begin
        rf_rp <= rf_rp + 1'b1;
        rec_busy <= 1'b1;
        rec_j <= 0;
        rec_tag <= rf_head[209:162];
        rec_flags <= {6'd0, rf_head[64], rf_head[161]};
        rec_score <= rf_head[160:129];
        rec_out <= rf_head[128:65];
        rec_in <= rf_head[63:0];
      end
    end
  end

  // COBS encoder over the reply RAM: find the next run (≤ 254 non-zero bytes), send its code,
  // then its bytes; skip the zero that ended it; a 0x00 delimiter ends the frame.
  always @(posedge clk) begin
    if (rst) begin
      tstate <= T_IDLE;
      tx_valid <= 1'b0;
    end else begin
      if (tx_valid && tx_ready) tx_valid <= 1'b0;
      case (tstate)
        T_IDLE: if (tx_start) begin
          t_slot <= tx_start_slot;
          t_len <= tx_start_len;
          t_pos <= 0;
          t_scan <= 0;
          t_run <= 0;
          t_scan_valid <= 1'b0;
          tstate <= T_SCAN;
        end
        T_SCAN: begin
          // t_rd holds the byte at t_scan - 1 when t_scan_valid
          if (t_scan_valid && t_rd == 8'h00) begin
            t_zero_end <= 1'b1;
            tstate <= T_CODE;
          end else if (t_scan_valid && t_run + 1 == 8'd254) begin
            t_run <= 8'd254;
            t_zero_end <= 1'b0;
            tstate <= T_CODE;
          end else if (t_pos + t_run + (t_scan_valid ? 1 : 0) >= t_len) begin
            if (t_scan_valid) t_run <= t_run + 1'b1;
            t_zero_end <= 1'b0;
            tstate <= T_CODE;
          end else begin
            if (t_scan_valid) t_run <= t_run + 1'b1;
            t_rd <= reply_mem[{t_slot, t_scan[PAW-1:0]}];
            t_scan <= t_scan + 1'b1;
            t_scan_valid <= 1'b1;
          end
        end
        T_CODE: if (!tx_valid) begin
          tx_valid <= 1'b1;
          tx_data <= t_run + 1'b1;
          t_run_end <= t_pos + t_run;
          tstate <= t_run == 0 ? T_ESEND : T_EMIT;
        end
        T_EMIT: begin
          t_rd <= reply_mem[{t_slot, t_pos[PAW-1:0]}];
          t_pos <= t_pos + 1'b1;
          tstate <= T_EWAIT;
        end
        T_EWAIT: if (!tx_valid) begin
          tx_valid <= 1'b1;
          tx_data <= t_rd;
          tstate <= t_pos == t_run_end ? T_ESEND : T_EMIT;
        end
        T_ESEND: begin
          // run sent: next run starts after the zero that ended this one
          if (t_zero_end) begin
            t_pos <= t_run_end + 1'b1;
            t_scan <= t_run_end + 1'b1;
            t_run <= 0;
            t_scan_valid <= 1'b0;
            tstate <= T_SCAN;
          end else if (t_run_end >= t_len && t_run != 8'd254) tstate <= T_DELIM; // after a full block: a final code 01, as src/hil/cobs.ts
          else begin
            t_scan <= t_run_end;
            t_run <= 0;
            t_scan_valid <= 1'b0;
            tstate <= T_SCAN;
          end
        end
        T_DELIM: if (!tx_valid) begin
          tx_valid <= 1'b1;
          tx_data <= 8'h00;
          tstate <= T_IDLE;
        end
        default: tstate <= T_IDLE;
      endcase
    end
  end
endmodule
