/**
 * What an ADC2021-layout HDF5 file holds (layout: ./adc2021-layout.ts), read and checked on the
 * HDF5 thread (./hdf5-worker.ts): every dimension, type and filter before any row is read. The
 * result is plain data; ./adc2021-reader.ts reads the rows.
 */
import { FileFormatError } from "./errors.js";
import type { h5, H5 } from "./hdf5.js";
import { type AttrValue, checkFilters, dtypeText, H5T_FLOAT, H5T_INTEGER, readAttrs, shapeText } from "./hdf5-describe.js";
import { hdf5Reason, isWasmTrap } from "./hdf5.js";
import { ADC_BX, ADC_FIELDS, ADC_LABELS, ADC_MAX_EVENTS, ADC_ORBIT, ADC_PARTICLES, ADC_PARTICLES_NAMES, ADC_SLOTS } from "./adc2021-layout.js";

/** Longest list of names we read from `Particles_Names` / `Particles_Classes`. */
const MAX_NAMES = 64;

export interface Adc2021Info {
  nEvents: number;
  hasLabels: boolean;
  hasOrbitBx: boolean;
  names: string[];
  classes: string[];
  attrs: Record<string, AttrValue>;
  datasets: { name: string; shape: number[] | null; dtype: string }[];
}

/** A list of names for a one-line message, cut after `max`. */
function listText(names: string[], max = 8): string {
  if (names.length === 0) return "nothing";
  return names.slice(0, max).join(", ") + (names.length > max ? `, … (${names.length} in all)` : "");
}

export function describeAdc2021(lib: H5, path: string, file: h5.File): Adc2021Info {
  const keys = file.keys();
  const datasets: Adc2021Info["datasets"] = [];
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

  const aux = new Set<string>();
  for (const name of [ADC_LABELS, ADC_ORBIT, ADC_BX] as const) {
    const ds = dataset(name);
    if (!ds) continue;
    const s = ds.shape;
    if (!s || s.length !== 1 || s[0] !== nEvents) {
      throw new FileFormatError(path, `dataset "${name}" has shape ${shapeText(s)}, expected (${nEvents}) like "${ADC_PARTICLES}"`);
    }
    checkFilters(path, ds, name);
    if (ds.metadata.type !== H5T_INTEGER) throw new FileFormatError(path, `dataset "${name}" has type ${dtypeText(ds.dtype)}, expected integers`);
    aux.add(name);
  }
  if (aux.has(ADC_ORBIT) !== aux.has(ADC_BX)) throw new FileFormatError(path, `datasets "${ADC_ORBIT}" and "${ADC_BX}" must come together`);

  const names = readNames(path, dataset("Particles_Names"));
  // The field order is what the reader relies on: refuse a file that says it is different.
  const expected = ADC_PARTICLES_NAMES.join(",").toLowerCase();
  if (names.length > 0 && names.join(",").toLowerCase() !== expected) {
    throw new FileFormatError(path, `"Particles_Names" is [${listText(names)}], expected [${ADC_PARTICLES_NAMES.join(", ")}]`);
  }
  const classes = readNames(path, dataset("Particles_Classes"));
  return { nEvents, hasLabels: aux.has(ADC_LABELS), hasOrbitBx: aux.has(ADC_ORBIT), names, classes, attrs: readAttrs(file), datasets };
}

function readNames(path: string, ds: h5.Dataset | undefined): string[] {
  if (!ds) return [];
  const s = ds.shape;
  if (!s || s.length !== 1 || s[0] > MAX_NAMES) throw new FileFormatError(path, `dataset "${ds.path.slice(1)}" has shape ${shapeText(s)}, expected a short list of names`);
  try {
    const v = ds.value;
    return Array.isArray(v) ? v.map((x) => (x instanceof Uint8Array ? Buffer.from(x).toString("latin1") : String(x))) : [];
  } catch (err) {
    if (isWasmTrap(err)) throw err; // libhdf5 aborted: the thread must see it
    throw new FileFormatError(path, `cannot read "${ds.path.slice(1)}": ${hdf5Reason(err)}`);
  }
}
