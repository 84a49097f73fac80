/**
 * Relativistic kinematics on a pool of four-vectors (E, px, py, pz) stored in one Float64Array, so
 * the generator's decay chains allocate nothing per event. A four-vector is an integer slot index.
 */
import type { Rng } from "./rng.js";

const E = 0;
const PX = 1;
const PY = 2;
const PZ = 3;

export class FourVectors {
  readonly v: Float64Array;
  private used = 0;

  constructor(slots = 64) {
    this.v = new Float64Array(4 * slots);
  }

  /** Release every slot (call once per event). */
  reset(): void {
    this.used = 0;
  }

  /** A fresh zeroed slot. */
  alloc(): number {
    if (4 * (this.used + 1) > this.v.length) throw new RangeError("four-vector pool exhausted (decay chain too deep)");
    const s = this.used++;
    this.v.fill(0, 4 * s, 4 * s + 4);
    return s;
  }

  e(s: number): number { return this.v[4 * s + E]; }
  px(s: number): number { return this.v[4 * s + PX]; }
  py(s: number): number { return this.v[4 * s + PY]; }
  pz(s: number): number { return this.v[4 * s + PZ]; }

  set(s: number, e: number, px: number, py: number, pz: number): void {
    const o = 4 * s;
    this.v[o + E] = e;
    this.v[o + PX] = px;
    this.v[o + PY] = py;
    this.v[o + PZ] = pz;
  }

  /** Set from transverse momentum, rapidity y (not η), azimuth and mass. */
  setPtRapidityPhiM(s: number, pt: number, y: number, phi: number, m: number): void {
    const mt = Math.sqrt(pt * pt + m * m);
    this.set(s, mt * Math.cosh(y), pt * Math.cos(phi), pt * Math.sin(phi), mt * Math.sinh(y));
  }

  /** Set from pT, pseudorapidity η, φ and mass. */
  setPtEtaPhiM(s: number, pt: number, eta: number, phi: number, m: number): void {
    const pz = pt * Math.sinh(eta);
    this.set(s, Math.sqrt(pt * pt + pz * pz + m * m), pt * Math.cos(phi), pt * Math.sin(phi), pz);
  }

  pt(s: number): number {
    return Math.hypot(this.px(s), this.py(s));
  }
  /** Pseudorapidity; ±Infinity along the beam (no transverse momentum). */
  eta(s: number): number {
    const pt = this.pt(s);
    const pz = this.pz(s);
    return pt === 0 ? (pz >= 0 ? Infinity : -Infinity) : Math.asinh(pz / pt);
  }
  phi(s: number): number {
    return Math.atan2(this.py(s), this.px(s));
  }
  mass(s: number): number {
    const { v } = this;
    const o = 4 * s;
    const m2 = v[o] * v[o] - v[o + 1] * v[o + 1] - v[o + 2] * v[o + 2] - v[o + 3] * v[o + 3];
    return m2 > 0 ? Math.sqrt(m2) : 0;
  }

  /** out = a + b. */
  add(out: number, a: number, b: number): void {
    this.set(out, this.e(a) + this.e(b), this.px(a) + this.px(b), this.py(a) + this.py(b), this.pz(a) + this.pz(b));
  }

  /** Boost slot `s` by velocity (bx, by, bz), |β| < 1 (the Lorentz boost of a rest-frame vector into the lab). */
  boost(s: number, bx: number, by: number, bz: number): void {
    const b2 = bx * bx + by * by + bz * bz;
    if (b2 === 0) return;
    const gamma = 1 / Math.sqrt(1 - b2);
    const o = 4 * s;
    const { v } = this;
    const bp = bx * v[o + PX] + by * v[o + PY] + bz * v[o + PZ];
    const k = ((gamma - 1) * bp) / b2 + gamma * v[o + E];
    v[o + PX] += k * bx;
    v[o + PY] += k * by;
    v[o + PZ] += k * bz;
    v[o + E] = gamma * (v[o + E] + bp);
  }

  /**
   * Two-body decay of `parent` (mass M = its invariant mass) into daughters of masses m1, m2,
   * isotropic in the parent rest frame, then boosted into the lab. Returns the two new slots.
   * Requires m1 + m2 ≤ M.
   */
  decay(rng: Rng, parent: number, m1: number, m2: number): [number, number] {
    const M = this.mass(parent);
    if (m1 + m2 > M) throw new RangeError(`decay of mass ${M} into ${m1} + ${m2} is kinematically forbidden`);
    // Rest-frame momentum p* = sqrt((M² − (m1+m2)²)(M² − (m1−m2)²)) / 2M.
    const p = Math.sqrt(Math.max(0, (M * M - (m1 + m2) ** 2) * (M * M - (m1 - m2) ** 2))) / (2 * M);
    const cosTheta = rng.range(-1, 1);
    const sinTheta = Math.sqrt(1 - cosTheta * cosTheta);
    const phi = rng.range(0, 2 * Math.PI);
    const dx = p * sinTheta * Math.cos(phi);
    const dy = p * sinTheta * Math.sin(phi);
    const dz = p * cosTheta;
    const a = this.alloc();
    const b = this.alloc();
    this.set(a, Math.sqrt(p * p + m1 * m1), dx, dy, dz);
    this.set(b, Math.sqrt(p * p + m2 * m2), -dx, -dy, -dz);
    const e = this.e(parent);
    const bx = this.px(parent) / e;
    const by = this.py(parent) / e;
    const bz = this.pz(parent) / e;
    this.boost(a, bx, by, bz);
    this.boost(b, bx, by, bz);
    return [a, b];
  }
}

/** Invariant mass of massless objects given by (pt, η, φ) lists — what an analysis of L1 objects computes. */
export function invariantMassPtEtaPhi(pt: ArrayLike<number>, eta: ArrayLike<number>, phi: ArrayLike<number>): number {
  let e = 0;
  let px = 0;
  let py = 0;
  let pz = 0;
  for (let i = 0; i < pt.length; i++) {
    const z = pt[i] * Math.sinh(eta[i]);
    e += Math.sqrt(pt[i] * pt[i] + z * z);
    px += pt[i] * Math.cos(phi[i]);
    py += pt[i] * Math.sin(phi[i]);
    pz += z;
  }
  const m2 = e * e - px * px - py * py - pz * pz;
  return m2 > 0 ? Math.sqrt(m2) : 0;
}
