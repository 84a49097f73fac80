/**
 * COBS framing for the serial transport (Cheshire & Baker, "Consistent Overhead Byte Stuffing",
 * IEEE/ACM Trans. Networking 7(2), 1999): a frame holds no 0x00 byte, so 0x00 delimits frames and
 * a receiver resynchronises at the next 0x00 after any corruption. Overhead ≤ 1 byte per 254.
 */
import { HEADER_BYTES, MAX_PAYLOAD } from "./protocol.js";

/** Largest decoded frame the serial link accepts: one maximal protocol message. */
export const MAX_FRAME = HEADER_BYTES + MAX_PAYLOAD;

/** Encoded size bound for `n` data bytes (without the 0x00 delimiter). */
export function cobsMaxEncoded(n: number): number {
  return n + Math.ceil(n / 254) + 1;
}

/** COBS-encode `data` and append the 0x00 delimiter. */
export function cobsEncode(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(cobsMaxEncoded(data.length) + 1);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = b;
      if (++code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  out[o++] = 0;
  return out.subarray(0, o);
}

/** Decode one COBS frame (no delimiter); null when the frame is malformed. */
export function cobsDecode(frame: Uint8Array, out: Buffer = Buffer.allocUnsafe(frame.length)): Buffer | null {
  let i = 0;
  let o = 0;
  while (i < frame.length) {
    const code = frame[i++]!;
    if (code === 0) return null;
    const end = i + code - 1;
    if (end > frame.length) return null;
    while (i < end) {
      const b = frame[i++]!;
      if (b === 0) return null;
      out[o++] = b;
    }
    if (code !== 0xff && i < frame.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}

export interface CobsFaults {
  /** Frames whose COBS structure was broken. */
  malformed: number;
  /** Frames longer than the bound, discarded up to the next delimiter. */
  oversize: number;
}

/**
 * Streaming splitter: feed arbitrary chunks, get decoded frames via the callback. Memory is
 * bounded by `maxFrame`: longer runs are dropped (counted) until the next 0x00.
 */
export class CobsDecoder {
  readonly faults: CobsFaults = { malformed: 0, oversize: 0 };
  private readonly acc: Buffer;
  private len = 0;
  private skipping = false;

  constructor(
    private readonly onFrame: (frame: Buffer) => void,
    maxFrame = MAX_FRAME,
  ) {
    this.acc = Buffer.allocUnsafe(cobsMaxEncoded(maxFrame));
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const zero = chunk.indexOf(0, start);
      const end = zero < 0 ? chunk.length : zero;
      if (!this.skipping) {
        const n = end - start;
        if (this.len + n > this.acc.length) {
          this.skipping = true;
          this.faults.oversize++;
        } else {
          this.acc.set(chunk.subarray(start, end), this.len);
          this.len += n;
        }
      }
      if (zero < 0) return;
      if (!this.skipping && this.len > 0) {
        const decoded = cobsDecode(this.acc.subarray(0, this.len));
        if (decoded) this.onFrame(decoded); // freshly allocated by cobsDecode
        else this.faults.malformed++;
      }
      this.len = 0;
      this.skipping = false;
      start = zero + 1;
    }
  }
}
