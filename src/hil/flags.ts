/**
 * The per-event reply flags a board owes the host (docs/board-protocol.md §4.4), computed from the
 * raw inputs and raw scores: the emulator sets them this way, and the software side computes the
 * same so the comparator holds every board flag against it (a flag that lies is a mismatch).
 */
import { rawMax, rawMin, type FixedFormat } from "../scoring/fixed.js";
import { native } from "../native.js";

/**
 * SATURATED and INPUT_OVERFLOW for n events (inputs row-major n × nFeatures raw bits), in one
 * native pass (native/hil_codec.cc; its TS reference is emulator.ts replyFlagsReference).
 */
export function replyFlags(
  score: Int32Array, inputs: Int32Array, n: number, nFeatures: number, inputFormat: FixedFormat, outputFormat: FixedFormat, out = new Uint8Array(n),
): Uint8Array {
  native.hilReplyFlags(inputs, n, nFeatures, rawMin(inputFormat), rawMax(inputFormat), score, rawMin(outputFormat), rawMax(outputFormat), outputFormat.overflow !== "WRAP", out);
  return out;
}
