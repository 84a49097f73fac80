/**
 * LHC filling scheme: which of the 3564 bunch slots of an orbit hold colliding bunches.
 *
 * Run-3 25 ns schemes inject trains built in the PS/SPS: bunch trains of 48 (BCMS) or 72 bunches
 * with 25 ns spacing, short gaps between the trains of one SPS injection (PS-to-SPS transfer
 * kicker) and longer gaps between SPS injections (SPS-to-LHC injection kicker rise time), and the
 * abort gap (≈ 3 µs, ~120 slots) at the end of the orbit for the beam-dump kicker rise time
 * (LHC Design Report vol. I, ch. 2 and 17). Our default — 48-bunch BCMS trains, 3 per injection
 * (144 bunches per injection, as in the Run-2/3 "..._144bpi_..." schemes), 8-slot gaps inside an
 * injection, 38-slot gaps between injections, abort gap from BX 3444 — gives 2496 filled
 * bunches, close to typical Run-3 fills (~2450–2550).
 * Every filled bunch is taken as colliding in CMS.
 */
import { BX_PER_ORBIT } from "../events/batch.js";

export interface FillingSchemeOptions {
  /** Bunches per train (48 for BCMS, 72 for standard beams). */
  trainLength?: number;
  /** Trains per SPS injection. */
  trainsPerInjection?: number;
  /** Empty slots between trains inside one injection. */
  trainGap?: number;
  /** Empty slots between injections. */
  injectionGap?: number;
  /** First slot of the abort gap (that slot and all after it stay empty). */
  abortGapStart?: number;
  /** First filled slot. */
  firstBx?: number;
}

export const DEFAULT_FILLING: Required<FillingSchemeOptions> = {
  trainLength: 48,
  trainsPerInjection: 3,
  trainGap: 8,
  injectionGap: 38,
  abortGapStart: 3444,
  firstBx: 1,
};

/**
 * The filled-bunch mask: `mask[bx] === 1` for a filled BX, indices 1..3564 (index 0 unused).
 * Trains are placed until the next whole train would run into the abort gap.
 */
export function fillingScheme(options: FillingSchemeOptions = {}): Uint8Array {
  const o = { ...DEFAULT_FILLING, ...options };
  for (const [name, v] of Object.entries(o)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`filling scheme: ${name} must be a non-negative integer, got ${v}`);
  }
  if (o.trainLength < 1 || o.trainsPerInjection < 1) throw new RangeError("filling scheme: trainLength and trainsPerInjection must be ≥ 1");
  if (o.firstBx < 1 || o.abortGapStart > BX_PER_ORBIT + 1) throw new RangeError("filling scheme: firstBx/abortGapStart outside the orbit");
  const mask = new Uint8Array(BX_PER_ORBIT + 1);
  let bx = o.firstBx;
  let trainInInjection = 0;
  while (bx + o.trainLength <= o.abortGapStart) {
    mask.fill(1, bx, bx + o.trainLength);
    bx += o.trainLength;
    trainInInjection++;
    if (trainInInjection === o.trainsPerInjection) {
      trainInInjection = 0;
      bx += o.injectionGap;
    } else {
      bx += o.trainGap;
    }
  }
  return mask;
}

/** The filled BX numbers of a mask, ascending. */
export function filledBunches(mask: Uint8Array): Uint16Array {
  let n = 0;
  for (let bx = 1; bx < mask.length; bx++) n += mask[bx];
  const out = new Uint16Array(n);
  let k = 0;
  for (let bx = 1; bx < mask.length; bx++) if (mask[bx]) out[k++] = bx;
  return out;
}
