/**
 * Physics-level objects (GeV, η, rad) before the L1 trigger sees them.
 *
 * The public shape is `PhysicsObject` (plain and readable, for scripts and tests); the generator's
 * hot loop instead fills a `PhysicsScratch` — one bunch crossing's objects in reusable columnar
 * typed arrays — so that no per-object JS objects are made per event.
 */
import type { ObjectKind } from "../events/batch.js";

export interface PhysicsObject {
  kind: ObjectKind;
  /** Transverse momentum (energy for calo objects), GeV. */
  pt: number;
  eta: number;
  /** Azimuth, rad (any value: it is wrapped when quantised). */
  phi: number;
  /** −1, 0 (unknown) or +1; only muons carry it to the trigger output. */
  charge: number;
}

/** The physics objects of one bunch crossing. */
export interface PhysicsEvent {
  /** BX number, 1..3564. */
  bx: number;
  objects: readonly PhysicsObject[];
  /** Truth label stored in `OrbitBatch.label` (0 = background). */
  label?: number;
}

/** Integer kind codes of the scratch buffer. INVISIBLE (neutrinos) is kept for truth checks only. */
export const KIND_MUON = 0;
export const KIND_JET = 1;
export const KIND_EGAMMA = 2;
export const KIND_TAU = 3;
export const KIND_INVISIBLE = 4;

export const KIND_CODE: Record<ObjectKind, number> = {
  muon: KIND_MUON, jet: KIND_JET, egamma: KIND_EGAMMA, tau: KIND_TAU,
};

/** Upper bound on objects in one bunch crossing; a bigger event is a caller bug, not data. */
export const MAX_OBJECTS_PER_BX = 1 << 16;

/** One bunch crossing's physics objects, columnar and reusable (call `clear()` per BX). */
export class PhysicsScratch {
  n = 0;
  kind: Uint8Array;
  pt: Float64Array;
  eta: Float64Array;
  phi: Float64Array;
  charge: Int8Array;

  constructor(capacity = 256) {
    this.kind = new Uint8Array(capacity);
    this.pt = new Float64Array(capacity);
    this.eta = new Float64Array(capacity);
    this.phi = new Float64Array(capacity);
    this.charge = new Int8Array(capacity);
  }

  clear(): void {
    this.n = 0;
  }

  push(kind: number, pt: number, eta: number, phi: number, charge: number): void {
    if (this.n === this.kind.length) this.grow();
    const i = this.n++;
    this.kind[i] = kind;
    this.pt[i] = pt;
    this.eta[i] = eta;
    this.phi[i] = phi;
    this.charge[i] = charge;
  }

  /** Fill from plain objects (the public API path). */
  setObjects(objects: readonly PhysicsObject[]): void {
    this.clear();
    for (const o of objects) {
      const code = KIND_CODE[o.kind];
      if (code === undefined) throw new TypeError(`unknown object kind "${String(o.kind)}"`);
      if (!Number.isFinite(o.pt) || !Number.isFinite(o.eta) || !Number.isFinite(o.phi))
        throw new RangeError(`${o.kind}: pt, eta and phi must be finite numbers (got ${o.pt}, ${o.eta}, ${o.phi})`);
      this.push(code, o.pt, o.eta, o.phi, Math.sign(o.charge) | 0);
    }
  }

  private grow(): void {
    const cap = this.kind.length * 2;
    if (cap > MAX_OBJECTS_PER_BX) throw new RangeError(`more than ${MAX_OBJECTS_PER_BX} objects in one bunch crossing`);
    const grow = <T extends Uint8Array | Float64Array | Int8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.kind = grow(this.kind, (n) => new Uint8Array(n));
    this.pt = grow(this.pt, (n) => new Float64Array(n));
    this.eta = grow(this.eta, (n) => new Float64Array(n));
    this.phi = grow(this.phi, (n) => new Float64Array(n));
    this.charge = grow(this.charge, (n) => new Int8Array(n));
  }
}
