// COBS decoder (Cheshire & Baker 1999), one encoded byte in, at most one decoded byte out, in the
// same cycle (combinational outputs; the state advances on an accepted byte). 0x00 ends a frame;
// `bad` marks a frame that ended inside a block (the code byte promised more bytes than came).
module sl_cobs_decode (
  input  wire       clk,
  input  wire       rst,
  input  wire       in_valid,
  input  wire [7:0] in_data,
  output wire       out_valid,   // a decoded data byte
  output wire [7:0] out_data,
  output wire       frame_end,   // the delimiter of a non-empty frame
  output wire       frame_bad,   // with frame_end: the frame was not valid COBS
  output wire       in_frame
);
  reg [7:0] remain;   // data bytes left in the current block; 0 = next byte is a code byte
  reg       pend_zero; // the block before ended with an implied 0x00 (code != 0xFF)
  reg       started;
  wire is_delim = in_data == 8'h00;
  wire is_code = !is_delim && remain == 0;
  assign out_valid = in_valid && !is_delim && (remain != 0 || pend_zero);
  assign out_data = remain != 0 ? in_data : 8'h00;
  assign frame_end = in_valid && is_delim && started;
  assign frame_bad = remain != 0;
  assign in_frame = started;
  always @(posedge clk) begin
    if (rst) begin
      remain <= 8'd0;
      pend_zero <= 1'b0;
      started <= 1'b0;
    end else if (in_valid) begin
      if (is_delim) begin
        remain <= 8'd0;
        pend_zero <= 1'b0;
        started <= 1'b0;
      end else begin
        started <= 1'b1;
        if (is_code) begin
          remain <= in_data - 8'd1;
          pend_zero <= in_data != 8'hFF;
        end else remain <= remain - 8'd1;
      end
    end
  end
endmodule
