// UART PHY for the scoutloop board shell: 8N1, CLKS_PER_BIT clock cycles per bit (the profile's
// clock divided by its baud rate). The receiver samples the middle of each bit after a two-flop
// synchroniser; a byte whose stop bit is low is a framing error and is dropped (counted).
module sl_uart_rx #(
  parameter CLKS_PER_BIT = 8
) (
  input  wire       clk,
  input  wire       rst,
  input  wire       rxd,
  output reg        valid,
  output reg  [7:0] data,
  output reg        framing_error,
  output wire       idle
);
  localparam CW = $clog2(CLKS_PER_BIT + 1);
  localparam [1:0] S_IDLE = 2'd0, S_START = 2'd1, S_DATA = 2'd2, S_STOP = 2'd3;
  reg [1:0] state;
  reg [CW-1:0] cnt;
  reg [2:0] bitn;
  reg [7:0] sh;
  reg sync1, sync2;
  assign idle = state == S_IDLE && sync2 && sync1 && rxd;
  always @(posedge clk) begin
    sync1 <= rxd;
    sync2 <= sync1;
    valid <= 1'b0;
    framing_error <= 1'b0;
    if (rst) begin
      state <= S_IDLE;
      sync1 <= 1'b1;
      sync2 <= 1'b1;
    end else case (state)
      S_IDLE: if (!sync2) begin
        state <= S_START;
        cnt <= CLKS_PER_BIT / 2 - 1;
      end
      S_START: if (cnt == 0) begin
        if (!sync2) begin
          state <= S_DATA;
          cnt <= CLKS_PER_BIT - 1;
          bitn <= 3'd0;
        end else state <= S_IDLE; // a glitch, not a start bit
      end else cnt <= cnt - 1'b1;
      S_DATA: if (cnt == 0) begin
        sh <= {sync2, sh[7:1]};
        cnt <= CLKS_PER_BIT - 1;
        if (bitn == 3'd7) state <= S_STOP;
        bitn <= bitn + 1'b1;
      end else cnt <= cnt - 1'b1;
      default: if (cnt == 0) begin
        state <= S_IDLE;
        if (sync2) begin
          valid <= 1'b1;
          data <= sh;
        end else framing_error <= 1'b1;
      end else cnt <= cnt - 1'b1;
    endcase
  end
endmodule

module sl_uart_tx #(
  parameter CLKS_PER_BIT = 8
) (
  input  wire       clk,
  input  wire       rst,
  input  wire       valid,
  input  wire [7:0] data,
  output wire       ready,
  output wire       txd
);
  localparam CW = $clog2(CLKS_PER_BIT + 1);
  reg busy;
  reg [9:0] sh;
  reg [3:0] n;
  reg [CW-1:0] cnt;
  assign ready = !busy;
  assign txd = busy ? sh[0] : 1'b1;
  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
    end else if (!busy) begin
      if (valid) begin
        sh <= {1'b1, data, 1'b0};
        busy <= 1'b1;
        n <= 4'd9;
        cnt <= CLKS_PER_BIT - 1;
      end
    end else if (cnt == 0) begin
      if (n == 0) busy <= 1'b0;
      else begin
        sh <= {1'b1, sh[9:1]};
        n <= n - 1'b1;
        cnt <= CLKS_PER_BIT - 1;
      end
    end else cnt <= cnt - 1'b1;
  end
endmodule
