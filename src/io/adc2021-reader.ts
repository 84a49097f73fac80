/**
 * Reading ADC2021-layout HDF5 files (layout: ./adc2021-layout.ts) with h5wasm, in row chunks.
 *
 * Every dimension is checked before anything is allocated, every row is checked for NaN/Inf,
 * negative pT and class ids that do not fit the slot. Any problem is a FileFormatError whose
 * message names the file and what is wrong.
 */
import { FileFormatError } from "./errors.js";
import { type h5, type H5, hdf5Reason, openDescribedHdf5, quietAbort } from "./hdf5.js";
import {
  ADC_BX, ADC_FIELDS, ADC_LABELS, ADC_MAX_EVENTS, ADC_MAX_EVENTS_IN_MEMORY, ADC_ORBIT, ADC_PARTICLES, ADC_PARTICLES_NAMES,
  ADC_ROW, ADC_SLOTS, CLASS_OF_SLOT,
} from "./adc2021-layout.js";

/** HDF5 type classes as h5wasm reports them in `metadata.type` (H5T_class_t). */
export const H5T_INTEGER = 0;
export const H5T_FLOAT = 1;
/**
 * HDF5 filters libhdf5 always has: ids from libhdf5 `H5Zpublic.h` (H5Z_FILTER_DEFLATE 1, _SHUFFLE 2,
 * _FLETCHER32 3, _NBIT 5, _SCALEOFFSET 6; SZIP 4 is optional and left out). Anything else (lzf
 * 32000, blosc, zstd, … from the HDF Group's registered-filter list) is a plugin that h5wasm's Node
 * build does not load.
 */
const BUILTIN_FILTERS = new Set([1, 2, 3, 5, 6]);
/** Longest list of names we read from `Particles_Names` / `Particles_Classes`. */
const MAX_NAMES = 64;

export type AttrValue = string | number | boolean;

export function shapeText(shape: readonly number[] | null): string {
  return shape ? `(${shape.join(",")})` : "scalar";
}

/** h5wasm dtypes are strings for plain types and objects/arrays for compound ones. */
export function dtypeText(dtype: unknown): string {
  return typeof dtype === "string" ? dtype : JSON.stringify(dtype);
}

/** A list of names for a one-line message, cut after `max`. */
function listText(names: string[], max = 8): string {
  if (names.length === 0) return "nothing";
  return names.slice(0, max).join(", ") + (names.length > max ? `, … (${names.length} in all)` : "");
}

/** An open ADC2021 file; read rows with {@link readParticles}, and close it when done. */
export class Adc2021File {
  private constructor(
    readonly path: string,
    private readonly file: h5.File,
    private readonly particles: h5.Dataset,
    readonly nEvents: number,
    private readonly aux: { labels?: h5.Dataset; orbit?: h5.Dataset; bx?: h5.Dataset },
    readonly names: string[],
    readonly classes: string[],
    readonly attrs: Record<string, AttrValue>,
    readonly datasets: { name: string; shape: number[] | null; dtype: string }[],
  ) {}

  static async open(path: string): Promise<Adc2021File> {
    return openDescribedHdf5(path, (lib, file) => Adc2021File.describe(lib, path, file));
  }

  private static describe(lib: H5, path: string, file: h5.File): Adc2021File {
    const keys = file.keys();
    const datasets: { name: string; shape: number[] | null; dtype: string }[] = [];
    const dataset = (name: string): h5.Dataset | undefined => {
      if (!keys.includes(name)) return undefined;
      const entity = file.get(name);
      if (!(entity instanceof lib.Dataset)) throw new FileFormatError(path, `"${name}" is not a dataset`);
      return entity;
    };
    for (const name of keys) {
      const entity = file.get(name);
      if (entity instanceof lib.Dataset) datasets.push({ name, shape: entity.shape, dtype: dtypeText(entity.dtype) });
    }

    const particles = dataset(ADC_PARTICLES);
    if (!particles) throw new FileFormatError(path, `missing dataset "${ADC_PARTICLES}" (not an ADC2021-layout file; has: ${listText(keys)})`);
    const shape = particles.shape;
    if (!shape || shape.length !== 3 || shape[1] !== ADC_SLOTS || shape[2] !== ADC_FIELDS) {
      throw new FileFormatError(path, `dataset "${ADC_PARTICLES}" has shape ${shapeText(shape)}, expected (N,${ADC_SLOTS},${ADC_FIELDS})`);
    }
    const nEvents = shape[0];
    if (!Number.isSafeInteger(nEvents) || nEvents < 0 || nEvents > ADC_MAX_EVENTS) {
      throw new FileFormatError(path, `dataset "${ADC_PARTICLES}" has ${nEvents} events, more than the maximum ${ADC_MAX_EVENTS}`);
    }
    const meta = particles.metadata;
    if (meta.type !== H5T_FLOAT || (meta.size !== 4 && meta.size !== 8)) {
      throw new FileFormatError(path, `dataset "${ADC_PARTICLES}" has type ${dtypeText(particles.dtype)}, expected float32 or float64`);
    }

    checkFilters(path, particles, ADC_PARTICLES);

    const aux: { labels?: h5.Dataset; orbit?: h5.Dataset; bx?: h5.Dataset } = {};
    for (const name of [ADC_LABELS, ADC_ORBIT, ADC_BX] as const) {
      const ds = dataset(name);
      if (!ds) continue;
      const s = ds.shape;
      if (!s || s.length !== 1 || s[0] !== nEvents) {
        throw new FileFormatError(path, `dataset "${name}" has shape ${shapeText(s)}, expected (${nEvents}) like "${ADC_PARTICLES}"`);
      }
      checkFilters(path, ds, name);
      if (ds.metadata.type !== H5T_INTEGER) throw new FileFormatError(path, `dataset "${name}" has type ${dtypeText(ds.dtype)}, expected integers`);
      aux[name] = ds;
    }
    if (Boolean(aux.orbit) !== Boolean(aux.bx)) throw new FileFormatError(path, `datasets "${ADC_ORBIT}" and "${ADC_BX}" must come together`);

    const names = readNames(path, dataset("Particles_Names"));
    // The field order is what the reader relies on: refuse a file that says it is different.
    const expected = ADC_PARTICLES_NAMES.join(",").toLowerCase();
    if (names.length > 0 && names.join(",").toLowerCase() !== expected) {
      throw new FileFormatError(path, `"Particles_Names" is [${listText(names)}], expected [${ADC_PARTICLES_NAMES.join(", ")}]`);
    }
    const classes = readNames(path, dataset("Particles_Classes"));
    return new Adc2021File(path, file, particles, nEvents, aux, names, classes, readAttrs(file), datasets);
  }

  get hasLabels(): boolean {
    return Boolean(this.aux.labels);
  }
  get hasOrbitBx(): boolean {
    return Boolean(this.aux.orbit);
  }

  private checkRange(start: number, count: number): void {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.nEvents) {
      throw new RangeError(`rows [${start}, ${start + count}) outside 0..${this.nEvents}`);
    }
  }

  private slice(ds: h5.Dataset, name: string, start: number, count: number, rank: number) {
    const ranges: [number, number][] = [[start, start + count]];
    for (let i = 1; i < rank; i++) ranges.push([0, i === 1 ? ADC_SLOTS : ADC_FIELDS]);
    try {
      return quietAbort(() => ds.slice(ranges));
    } catch (err) {
      throw new FileFormatError(this.path, `cannot read "${name}" rows ${start}..${start + count}: ${hdf5Reason(err)}`);
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
    const raw = this.slice(this.particles, ADC_PARTICLES, start, count, 3);
    if (!(raw instanceof Float32Array || raw instanceof Float64Array) || raw.length !== n) {
      throw new FileFormatError(this.path, `"${ADC_PARTICLES}" rows ${start}..${start + count} read back as ${raw?.constructor?.name ?? typeof raw}, not ${n} floats`);
    }
    dst.set(raw); // converts float64 files to float32
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
    if (!this.aux.labels) return null;
    this.checkRange(start, count);
    if (count === 0) return new Uint8Array(0);
    const raw = this.slice(this.aux.labels, ADC_LABELS, start, count, 1) as ArrayLike<number | bigint>;
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const v = Number(raw[i]);
      if (!(v >= 0 && v <= 255)) throw new FileFormatError(this.path, `event ${start + i} has label ${v}, expected 0..255`);
      out[i] = v;
    }
    return out;
  }

  /** Orbit and BX numbers of rows [start, start+count), or null when the file has none. */
  readOrbitBx(start: number, count: number): { orbit: Float64Array; bx: Float64Array } | null {
    if (!this.aux.orbit || !this.aux.bx) return null;
    this.checkRange(start, count);
    if (count === 0) return { orbit: new Float64Array(0), bx: new Float64Array(0) };
    return {
      orbit: toFloat64(this.slice(this.aux.orbit, ADC_ORBIT, start, count, 1)),
      bx: toFloat64(this.slice(this.aux.bx, ADC_BX, start, count, 1)),
    };
  }

  close(): void {
    this.file.close();
  }
}

/** Integers read by h5wasm (any width, 64-bit ones as BigInt) as float64, exact below 2^53. */
function toFloat64(raw: unknown): Float64Array {
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) return Float64Array.from(raw, Number);
  if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) {
    const out = new Float64Array((raw as Float64Array).length);
    out.set(raw as Float64Array);
    return out;
  }
  throw new TypeError(`expected an integer array from HDF5, got ${typeof raw}`);
}

export function checkFilters(path: string, ds: h5.Dataset, name: string): void {
  const missing = ds.filters.filter((f) => !BUILTIN_FILTERS.has(f.id));
  if (missing.length > 0) {
    const list = missing.map((f) => `${f.name || "unnamed"} (id ${f.id})`).join(", ");
    throw new FileFormatError(path, `dataset "${name}" uses HDF5 filter ${list}, which h5wasm cannot decode; rewrite it with gzip or no compression`);
  }
}

function readNames(path: string, ds: h5.Dataset | undefined): string[] {
  if (!ds) return [];
  const s = ds.shape;
  if (!s || s.length !== 1 || s[0] > MAX_NAMES) throw new FileFormatError(path, `dataset "${ds.path.slice(1)}" has shape ${shapeText(s)}, expected a short list of names`);
  try {
    const v = ds.value;
    return Array.isArray(v) ? v.map((x) => (x instanceof Uint8Array ? Buffer.from(x).toString("latin1") : String(x))) : [];
  } catch (err) {
    throw new FileFormatError(path, `cannot read "${ds.path.slice(1)}": ${hdf5Reason(err)}`);
  }
}

export function readAttrs(file: h5.File): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  try {
    for (const [name, attr] of Object.entries(file.attrs)) {
      const shape = attr.shape;
      if (shape && shape.length > 0) continue; // scalars only: provenance is scalar
      const v = attr.value;
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[name] = v;
      else if (typeof v === "bigint") out[name] = Number(v);
    }
  } catch {
    // Attributes are provenance only; an unreadable one must not stop reading the data.
  }
  return out;
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
