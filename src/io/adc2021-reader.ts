/**
 * Reading ADC2021-layout HDF5 files (layout: ./adc2021-layout.ts) in row chunks, on an HDF5
 * thread under a watchdog (./hdf5-thread.ts).
 *
 * Every dimension is checked before anything is allocated (./adc2021-describe.ts), every row is
 * checked for NaN/Inf, negative pT and class ids that do not fit the slot. Any problem is a
 * FileFormatError whose message names the file and what is wrong.
 */
import { FileFormatError } from "./errors.js";
import type { Adc2021Info } from "./adc2021-describe.js";
import { type Hdf5Handle, openHdf5Layout } from "./hdf5-thread.js";
import { ADC_BX, ADC_FIELDS, ADC_LABELS, ADC_MAX_EVENTS_IN_MEMORY, ADC_ORBIT, ADC_PARTICLES, ADC_ROW, ADC_SLOTS, CLASS_OF_SLOT } from "./adc2021-layout.js";
import { type AttrValue, putFloat64 } from "./hdf5-describe.js";

export { type AttrValue, checkFilters, dtypeText, H5T_FLOAT, H5T_INTEGER, readAttrs, shapeText } from "./hdf5-describe.js";

/**
 * Rows per read from the HDF5 thread: ≤ 40 MB of float64 particles (20 MB float32) in the thread's
 * WASM heap at once, whatever the caller asks for.
 */
const SLICE_ROWS = 1 << 16;

/** An open ADC2021 file; read rows with {@link readParticles}, and close it when done. */
export class Adc2021File {
  readonly nEvents: number;
  readonly names: string[];
  readonly classes: string[];
  readonly attrs: Record<string, AttrValue>;
  readonly datasets: { name: string; shape: number[] | null; dtype: string }[];

  private constructor(readonly path: string, private readonly file: Hdf5Handle, private readonly info: Adc2021Info) {
    ({ nEvents: this.nEvents, names: this.names, classes: this.classes, attrs: this.attrs, datasets: this.datasets } = info);
  }

  static async open(path: string): Promise<Adc2021File> {
    const { file, info } = await openHdf5Layout<Adc2021Info>(path, "adc2021");
    return new Adc2021File(path, file, info);
  }

  get hasLabels(): boolean {
    return this.info.hasLabels;
  }
  get hasOrbitBx(): boolean {
    return this.info.hasOrbitBx;
  }

  private checkRange(start: number, count: number): void {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.nEvents) {
      throw new RangeError(`rows [${start}, ${start + count}) outside 0..${this.nEvents}`);
    }
  }

  /**
   * Rows [start, start+count) of `name` in reads of at most SLICE_ROWS rows, each handed to `put`
   * with its first row (h5wasm's typed array: float32/64 or integers of any width).
   */
  private slices(name: string, start: number, count: number, rank: number, put: (raw: unknown, row: number) => void): void {
    const rowValues = rank === 3 ? ADC_ROW : 1;
    for (let at = start; at < start + count; at += SLICE_ROWS) {
      const to = Math.min(start + count, at + SLICE_ROWS);
      const ranges: [number, number][] = [[at, to]];
      for (let i = 1; i < rank; i++) ranges.push([0, i === 1 ? ADC_SLOTS : ADC_FIELDS]);
      put(this.file.slice({ name, ranges, what: `"${name}" rows ${at}..${to}` }, (to - at) * rowValues * 8), at - start);
    }
  }

  /**
   * Rows [start, start+count) as float32, 76 values per event, validated (finite values, pT ≥ 0,
   * class id 0 or the slot's class). Reuses `out` when it is large enough.
   */
  readParticles(start: number, count: number, out?: Float32Array): Float32Array {
    this.checkRange(start, count);
    const n = count * ADC_ROW;
    const dst = out && out.length >= n ? out : new Float32Array(n);
    if (count === 0) return dst;
    this.slices(ADC_PARTICLES, start, count, 3, (raw, row) => {
      const want = Math.min(SLICE_ROWS, count - row) * ADC_ROW;
      if (!(raw instanceof Float32Array || raw instanceof Float64Array) || raw.length !== want) {
        throw new FileFormatError(this.path, `"${ADC_PARTICLES}" rows ${start + row}..${start + row + want / ADC_ROW} read back as ${(raw as object)?.constructor?.name ?? typeof raw}, not ${want} floats`);
      }
      dst.set(raw, row * ADC_ROW); // converts float64 files to float32
    });
    this.validateRows(dst, start, count);
    return dst;
  }

  private validateRows(rows: Float32Array, start: number, count: number): void {
    const n = count * ADC_ROW;
    for (let i = 0, slot = 0; i < n; i += ADC_FIELDS, slot = slot === ADC_SLOTS - 1 ? 0 : slot + 1) {
      const pt = rows[i], eta = rows[i + 1], phi = rows[i + 2], cls = rows[i + 3];
      // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
      const finite = pt - pt + (eta - eta) + (phi - phi) + (cls - cls) === 0;
      if (!finite || pt < 0 || (cls !== 0 && cls !== CLASS_OF_SLOT[slot])) this.rowError(rows, i, start);
    }
  }

  /** The one-line reason a row at float index `i` failed validateRows. */
  private rowError(rows: Float32Array, i: number, start: number): never {
    const e = Math.floor(i / ADC_ROW);
    const s = (i % ADC_ROW) / ADC_FIELDS;
    const where = `event ${start + e} slot ${s}`;
    for (let f = 0; f < ADC_FIELDS; f++) {
      if (!Number.isFinite(rows[i + f])) throw new FileFormatError(this.path, `${where} has a non-finite value (${rows[i + f]}) in "${ADC_PARTICLES}"`);
    }
    if (rows[i] < 0) throw new FileFormatError(this.path, `${where} has negative pT ${rows[i]}`);
    throw new FileFormatError(this.path, `${where} has class id ${rows[i + 3]}, expected 0 or ${CLASS_OF_SLOT[s]} (slot layout MET, 4 e/γ, 4 μ, 10 jets)`);
  }

  /** Generator truth of rows [start, start+count), or null when the file has no `labels`. */
  readLabels(start: number, count: number): Uint8Array | null {
    if (!this.info.hasLabels) return null;
    this.checkRange(start, count);
    const out = new Uint8Array(count);
    this.slices(ADC_LABELS, start, count, 1, (raw, row) => {
      const values = raw as ArrayLike<number | bigint>;
      for (let i = 0; i < values.length; i++) {
        const v = Number(values[i]);
        if (!(v >= 0 && v <= 255)) throw new FileFormatError(this.path, `event ${start + row + i} has label ${v}, expected 0..255`);
        out[row + i] = v;
      }
    });
    return out;
  }

  /** Orbit and BX numbers of rows [start, start+count), or null when the file has none. */
  readOrbitBx(start: number, count: number): { orbit: Float64Array; bx: Float64Array } | null {
    if (!this.info.hasOrbitBx) return null;
    this.checkRange(start, count);
    const orbit = new Float64Array(count), bx = new Float64Array(count);
    this.slices(ADC_ORBIT, start, count, 1, (raw, row) => putFloat64(raw, orbit, row));
    this.slices(ADC_BX, start, count, 1, (raw, row) => putFloat64(raw, bx, row));
    return { orbit, bx };
  }

  close(): void {
    this.file.close();
  }
}

/** A whole ADC2021 file in memory (see ADC_MAX_EVENTS_IN_MEMORY; stream larger files with Adc2021File). */
export interface Adc2021Dataset {
  path: string;
  nEvents: number;
  /** N × 76 floats: 19 slots × (pT, η, φ, class). */
  particles: Float32Array;
  labels: Uint8Array | null;
  orbit: Float64Array | null;
  bx: Float64Array | null;
  names: string[];
  classes: string[];
  attrs: Record<string, AttrValue>;
}

export async function readAdc2021(path: string, maxEvents = ADC_MAX_EVENTS_IN_MEMORY): Promise<Adc2021Dataset> {
  const file = await Adc2021File.open(path);
  try {
    if (file.nEvents > maxEvents) {
      throw new FileFormatError(path, `${file.nEvents} events is more than ${maxEvents} to hold in memory; read it in chunks with Adc2021File`);
    }
    const n = file.nEvents;
    const ob = file.readOrbitBx(0, n);
    return {
      path, nEvents: n, particles: file.readParticles(0, n), labels: file.readLabels(0, n),
      orbit: ob?.orbit ?? null, bx: ob?.bx ?? null, names: file.names, classes: file.classes, attrs: file.attrs,
    };
  } finally {
    file.close();
  }
}
