/**
 * Helpers for describing an open HDF5 file with h5wasm: type classes, filters, attributes and the
 * text of shapes and types in one-line messages. Shared by the ADC2021 and scoutloop layouts'
 * describers, which run on the HDF5 thread (./hdf5-worker.ts).
 */
import { FileFormatError } from "./errors.js";
import { type h5, isWasmTrap } from "./hdf5.js";

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

export type AttrValue = string | number | boolean;

export function shapeText(shape: readonly number[] | null): string {
  return shape ? `(${shape.join(",")})` : "scalar";
}

/** h5wasm dtypes are strings for plain types and objects/arrays for compound ones. */
export function dtypeText(dtype: unknown): string {
  return typeof dtype === "string" ? dtype : JSON.stringify(dtype);
}

export function checkFilters(path: string, ds: h5.Dataset, name: string): void {
  const missing = ds.filters.filter((f) => !BUILTIN_FILTERS.has(f.id));
  if (missing.length > 0) {
    const list = missing.map((f) => `${f.name || "unnamed"} (id ${f.id})`).join(", ");
    throw new FileFormatError(path, `dataset "${name}" uses HDF5 filter ${list}, which h5wasm cannot decode; rewrite it with gzip or no compression`);
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
  } catch (err) {
    // Attributes are provenance only; an unreadable one must not stop reading the data. An abort
    // inside libhdf5 is another matter: the HDF5 thread must see it (./hdf5-worker.ts).
    if (isWasmTrap(err)) throw err;
  }
  return out;
}

/** Rows per h5wasm read of a whole 1-D column: the WASM buffer of one read stays ≤ 32 MB. */
const COLUMN_ROWS = 1 << 22;

/**
 * Integers as h5wasm returns them (any width, 64-bit ones as BigInt) into `out` from `at`, as
 * float64 (exact below 2^53); without `out`, into a new array of their length.
 */
export function putFloat64(raw: unknown, out?: Float64Array, at = 0): Float64Array {
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
    const dst = out ?? new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) dst[at + i] = Number(raw[i]);
    return dst;
  }
  if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) {
    const values = raw as unknown as ArrayLike<number>;
    const dst = out ?? new Float64Array(values.length);
    dst.set(values, at);
    return dst;
  }
  throw new TypeError(`expected an integer array, got ${typeof raw}`);
}

/** A whole 1-D integer column as float64, read in bounded slices. */
export function readColumn(ds: h5.Dataset, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let at = 0; at < n; at += COLUMN_ROWS) putFloat64(ds.slice([[at, Math.min(n, at + COLUMN_ROWS)]]), out, at);
  return out;
}
