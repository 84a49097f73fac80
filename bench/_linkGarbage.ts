/**
 * Adversarial link captures for the deframer's resync (issue 11): garbage built only of orbit
 * headers that pass every header check and each claim the full 3564 blocks, one every `stride`
 * bytes, zeros between them. No orbit trailer is anywhere, so every header is a candidate whose
 * block walk (the check for an orbit-trailer frame at an earlier block boundary) finds nothing;
 * with stride 192 all walks step over the same block boundaries, with stride 32 (headers back to
 * back) there are 6 candidates per block. Shared by bench/deframer.ts and
 * test/link-resync-linear.test.ts.
 */
import { MAX_BX_BLOCKS, ORBIT_MARKER, FORMAT_VERSION, SDS_ID, ORBIT_HEADER_BYTES } from "../src/link/format.js";

/**
 * `bytes` bytes of header flood: a valid muon-stream header (no CRC) claiming `blocks` blocks
 * (default the maximum, 3564) every `stride` bytes.
 */
export function headerFlood(bytes: number, stride = 192, blocks: number = MAX_BX_BLOCKS): Uint8Array {
  if (!(stride >= ORBIT_HEADER_BYTES)) throw new RangeError(`headerFlood: stride ${stride} < ${ORBIT_HEADER_BYTES}`);
  const out = new Uint8Array(bytes);
  const v = new DataView(out.buffer);
  for (let p = 0, k = 1; p + ORBIT_HEADER_BYTES <= bytes; p += stride, k++) {
    v.setUint32(p, k, true); // orbit number
    v.setUint32(p + 4, ORBIT_MARKER, true);
    v.setUint32(p + 8, SDS_ID.muon | (FORMAT_VERSION << 16), true);
    v.setUint32(p + 12, blocks, true);
  }
  return out;
}
