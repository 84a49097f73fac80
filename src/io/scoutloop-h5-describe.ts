/**
 * What a scoutloop-layout HDF5 file holds (layout: ./scoutloop-h5.ts), read and checked on the
 * HDF5 thread (./hdf5-worker.ts): every dataset's shape and type, the per-BX columns (orbit, bx,
 * labels, weights, process, object counts) read whole and checked — order, ranges, caps — before
 * any object is read. The result is plain data; ./scoutloop-h5.ts reads the objects orbit by orbit.
 */
import { BX_MAX, BX_DECODED_MIN, CALO_FIELDS, DECODED_CAPS, MUON_FIELDS, type ObjectKind, OBJECT_KINDS, SUM_FIELDS } from "../events/batch.js";
import { ADC_MAX_EVENTS } from "./adc2021-layout.js";
import { FileFormatError } from "./errors.js";
import type { h5, H5 } from "./hdf5.js";
import { hdf5Reason, isWasmTrap } from "./hdf5.js";
import { type AttrValue, checkFilters, dtypeText, H5T_INTEGER, readAttrs, readColumn, shapeText } from "./hdf5-describe.js";

export const SCOUTLOOP_LAYOUT_ATTR = "scoutloop_layout";
export const SCOUTLOOP_LAYOUT = "events-v1";

export function fieldsOf(kind: ObjectKind): readonly string[] {
  return kind === "muon" ? MUON_FIELDS : CALO_FIELDS;
}

/** True when an open HDF5 file says it is in this layout. */
export function isScoutloopLayout(file: h5.File): boolean {
  try {
    return file.attrs[SCOUTLOOP_LAYOUT_ATTR]?.value === SCOUTLOOP_LAYOUT;
  } catch (err) {
    if (isWasmTrap(err)) throw err; // libhdf5 aborted: the thread must see it
    return false;
  }
}

export interface ScoutloopH5Info {
  nEvents: number;
  orbit: Float64Array;
  bx: Float64Array;
  label: Uint8Array | null;
  weight: Float32Array | null;
  /** Index into `processNames` per event, when the file has them. */
  processIndex: Float64Array | null;
  processNames: string[] | null;
  /** Per kind: the running start of each BX's objects (length N + 1). */
  starts: Record<ObjectKind, Float64Array>;
  attrs: Record<string, AttrValue>;
}

export function describeScoutloopH5(lib: H5, path: string, file: h5.File): ScoutloopH5Info {
  const bad = (why: string): never => {
    throw new FileFormatError(path, why);
  };
  const get = (name: string, length?: number, optional = false): h5.Dataset | undefined => {
    const entity = file.get(name);
    if (!entity) return optional ? undefined : bad(`missing dataset "${name}" (scoutloop layout ${SCOUTLOOP_LAYOUT})`);
    if (!(entity instanceof lib.Dataset)) return bad(`"${name}" is not a dataset`);
    const s = entity.shape;
    if (!s || s.length !== 1) bad(`dataset "${name}" has shape ${shapeText(s)}, expected one dimension`);
    if (length !== undefined && s![0] !== length) bad(`dataset "${name}" has shape ${shapeText(s)}, expected (${length})`);
    if (s![0] > ADC_MAX_EVENTS * 12) bad(`dataset "${name}" has ${s![0]} rows, more than the maximum`);
    if (entity.metadata.type !== H5T_INTEGER) bad(`dataset "${name}" has type ${dtypeText(entity.dtype)}, expected integers`);
    checkFilters(path, entity, name);
    return entity;
  };
  const read = (ds: h5.Dataset, name: string): Float64Array => {
    try {
      return readColumn(ds, ds.shape![0]);
    } catch (err) {
      if (isWasmTrap(err)) throw err; // libhdf5 aborted: the thread must see it
      return bad(`cannot read "${name}": ${hdf5Reason(err)}`);
    }
  };
  const orbitDs = get("events/orbit")!;
  const n = orbitDs.shape![0];
  if (n > ADC_MAX_EVENTS) bad(`${n} events, more than the maximum ${ADC_MAX_EVENTS}`);
  const orbit = read(orbitDs, "events/orbit");
  const bx = read(get("events/bx", n)!, "events/bx");
  const labelDs = get("events/label", n, true);
  const label = labelDs ? Uint8Array.from(read(labelDs, "events/label"), (v, i) => (v >= 0 && v <= 255 ? v : bad(`event ${i} has label ${v}, expected 0..255`))) : null;
  const weightDs = file.get("events/weight");
  let weight: Float32Array | null = null;
  if (weightDs) {
    if (!(weightDs instanceof lib.Dataset) || weightDs.shape?.length !== 1 || weightDs.shape[0] !== n) bad(`dataset "events/weight" must have shape (${n})`);
    checkFilters(path, weightDs as h5.Dataset, "events/weight");
    const w = (weightDs as h5.Dataset).value;
    if (!(w instanceof Float32Array || w instanceof Float64Array)) bad(`dataset "events/weight" must hold floats`);
    weight = Float32Array.from(w as Float32Array);
    for (let i = 0; i < n; i++) if (!Number.isFinite(weight[i])) bad(`event ${i} has weight ${weight[i]}`);
  }
  let processIndex: Float64Array | null = null;
  let processNames: string[] | null = null;
  const idxDs = get("events/process", n, true);
  if (idxDs) {
    const namesDs = file.get("events/process_names");
    if (!(namesDs instanceof lib.Dataset) || namesDs.shape?.length !== 1) bad(`"events/process" needs a one-dimensional dataset "events/process_names"`);
    const table = namesDs as h5.Dataset;
    if (table.shape![0] > 0x10000) bad(`dataset "events/process_names" has ${table.shape![0]} names, more than ${0x10000}`);
    const names = table.value;
    if (!Array.isArray(names) || !names.every((x) => typeof x === "string" && x.length <= 256)) bad(`dataset "events/process_names" must hold strings of at most 256 characters`);
    processNames = names as string[];
    processIndex = read(idxDs, "events/process");
    for (let i = 0; i < n; i++) {
      const v = processIndex[i];
      if (!(v >= 0 && v < processNames.length)) bad(`event ${i} has process index ${v}, expected 0..${processNames.length - 1}`);
    }
  }
  for (let i = 0; i < n; i++) {
    if (!(bx[i] >= BX_DECODED_MIN && bx[i] <= BX_MAX)) bad(`event ${i} has bx ${bx[i]}, expected ${BX_DECODED_MIN}..${BX_MAX}`);
    if (!(orbit[i] >= 0 && orbit[i] <= 0xffffffff)) bad(`event ${i} has orbit ${orbit[i]}`);
    if (i > 0 && (orbit[i] < orbit[i - 1] || (orbit[i] === orbit[i - 1] && bx[i] <= bx[i - 1]))) {
      bad(`event ${i} (orbit ${orbit[i]}, bx ${bx[i]}) does not come after orbit ${orbit[i - 1]}, bx ${bx[i - 1]}`);
    }
  }
  for (const f of SUM_FIELDS) get(`sums/${f}`, n);
  const starts = {} as Record<ObjectKind, Float64Array>;
  for (const k of OBJECT_KINDS) {
    const count = read(get(`${k}/count`, n)!, `${k}/count`);
    const start = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      if (!(count[i] >= 0 && count[i] <= DECODED_CAPS[k])) bad(`event ${i} has ${count[i]} ${k} objects, expected 0..${DECODED_CAPS[k]}`);
      start[i + 1] = start[i] + count[i];
    }
    for (const f of fieldsOf(k)) get(`${k}/${f}`, start[n]);
    starts[k] = start;
  }
  return { nEvents: n, orbit, bx, label, weight, processIndex, processNames, starts, attrs: readAttrs(file) };
}
