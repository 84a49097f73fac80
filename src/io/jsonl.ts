/**
 * JSONL events: one line per stored BX, readable by people and by `jq`, and lossless for
 * OrbitBatches (the hardware fields are authoritative; physical values are there for reading).
 *
 * Line format (keys in this order; `label` only for generated data, `weight` and `process` only
 * for events that carry them, e.g. from the DarkMachines CSV):
 * ```
 * {"orbit":7,"bx":12,"label":0,"weight":0.51,"process":"ttbar",
 *  "sums":{"met":{"pt":25.5,"phi":1.13},"hwTotalEt":300,…every SUM_FIELDS entry…},
 *  "muons":[{"pt":20,"eta":0.31,"phi":-2.1,"hwPt":41,"hwEtaAtVtx":28,…every MUON_FIELDS entry…}],
 *  "jets":[{"pt":40,"eta":1.2,"phi":0.5,"hwEt":80,"hwEta":28,"hwPhi":11,"hwIso":0}],
 *  "egammas":[…as jets…], "taus":[…as jets…]}
 * ```
 * Physical units follow src/events/scales.ts: GeV, η, φ in [−π, π); muons use η/φ at the vertex.
 * Lines of the same orbit are consecutive, BX ascending; orbits ascending.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import {
  allocateBatch, BX_MAX, BX_DECODED_MIN, CALO_FIELDS, DECODED_CAPS, type CaloBlock, MUON_FIELDS, type OrbitBatch, SUM_FIELDS,
} from "../events/batch.js";
import {
  CALO, caloEtaFromHw, caloEtFromHw, caloPhiFromHw, type FieldSpec, fieldRange, MUON, muonEtaFromHw, muonPhiFromHw,
  muonPtFromHw,
} from "../events/scales.js";
import { FileFormatError } from "./errors.js";
import { textLines } from "./text-lines.js";
import { CALO_BLOCKS, caloFieldSpecs, INT32_SPEC, MUON_FIELD_SPECS, sumFieldSpec } from "./field-specs.js";

/** Longest line we accept: a BX at every cap is ~12 kB, so 256 kB only stops garbage. */
export const MAX_JSONL_LINE = 256 * 1024;

const CALO_KINDS = CALO_BLOCKS;
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** One stored BX of a batch as a JSON object (see the module comment for the layout). */
export function eventToJson(batch: OrbitBatch, i: number): Record<string, unknown> {
  const ev: Record<string, unknown> = { orbit: batch.orbit, bx: batch.bx[i] };
  if (batch.label) ev.label = batch.label[i];
  if (batch.weight) ev.weight = batch.weight[i];
  if (batch.process) ev.process = batch.process[i];
  const sums: Record<string, unknown> = {
    met: { pt: caloEtFromHw(batch.sums.hwMissEt[i]), phi: round(caloPhiFromHw(batch.sums.hwMissEtPhi[i])) },
  };
  for (const f of SUM_FIELDS) sums[f] = batch.sums[f][i];
  ev.sums = sums;
  const mu = batch.muons;
  const muons = [];
  for (let j = mu.offset[i]; j < mu.offset[i + 1]; j++) {
    const o: Record<string, number> = {
      pt: muonPtFromHw(mu.hwPt[j]), eta: round(muonEtaFromHw(mu.hwEtaAtVtx[j])), phi: round(muonPhiFromHw(mu.hwPhiAtVtx[j])),
    };
    for (const f of MUON_FIELDS) o[f] = mu[f][j];
    muons.push(o);
  }
  ev.muons = muons;
  for (const [kind] of CALO_KINDS) {
    const block: CaloBlock = batch[kind];
    const list = [];
    for (let j = block.offset[i]; j < block.offset[i + 1]; j++) {
      const o: Record<string, number> = {
        pt: caloEtFromHw(block.hwEt[j]), eta: round(caloEtaFromHw(block.hwEta[j])), phi: round(caloPhiFromHw(block.hwPhi[j])),
      };
      for (const f of CALO_FIELDS) o[f] = block[f][j];
      list.push(o);
    }
    ev[kind] = list;
  }
  return ev;
}

/** Appends batches to a JSONL file, one line per stored BX. */
export class JsonlWriter {
  private fd: number | null;
  events = 0;
  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
  }
  append(batch: OrbitBatch): void {
    if (this.fd === null) throw new Error(`${this.path}: writer already closed`);
    let text = "";
    for (let i = 0; i < batch.nBx; i++) text += JSON.stringify(eventToJson(batch, i)) + "\n";
    writeSync(this.fd, text);
    this.events += batch.nBx;
  }
  close(): number {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    return this.events;
  }
}

export function writeJsonl(path: string, batches: Iterable<OrbitBatch>): number {
  const w = new JsonlWriter(path);
  try {
    for (const b of batches) w.append(b);
  } finally {
    w.close();
  }
  return w.events;
}


const MUON_SPECS: Record<string, FieldSpec> = MUON_FIELD_SPECS;
const INT32 = INT32_SPEC;
const sumSpec = sumFieldSpec;

interface Parsed {
  orbit: number;
  bx: number;
  label: number | null;
  weight: number | null;
  process: string | null;
  ev: Record<string, unknown>;
}

function parseLine(path: string, lineNo: number, text: string): Parsed {
  const fail = (why: string): never => {
    throw new FileFormatError(path, `line ${lineNo}: ${why}`);
  };
  let ev: unknown;
  try {
    ev = JSON.parse(text);
  } catch (err) {
    fail(`invalid JSON (${(err as Error).message.split("\n")[0]})`);
  }
  if (typeof ev !== "object" || ev === null || Array.isArray(ev)) fail("expected a JSON object per line");
  const e = ev as Record<string, unknown>;
  const int = (v: unknown, name: string, spec: FieldSpec): number => {
    if (v === undefined) fail(`missing "${name}"`);
    const [lo, hi] = fieldRange(spec);
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) fail(`${name} = ${JSON.stringify(v)}, expected an integer in ${lo}..${hi}`);
    return v as number;
  };
  const orbit = int(e.orbit, "orbit", { bits: 32, signed: false });
  const bx = int(e.bx, "bx", INT32);
  if (bx < BX_DECODED_MIN || bx > BX_MAX) fail(`bx = ${bx}, expected ${BX_DECODED_MIN}..${BX_MAX}`);
  const label = e.label === undefined ? null : int(e.label, "label", { bits: 8, signed: false });
  // Weights are float32 in memory (as in the DarkMachines reader and the HDF5 column).
  if (e.weight !== undefined && (typeof e.weight !== "number" || !Number.isFinite(e.weight))) fail(`weight = ${JSON.stringify(e.weight)}, expected a finite number`);
  if (e.process !== undefined && (typeof e.process !== "string" || e.process.length > 256)) fail(`process = ${JSON.stringify(e.process).slice(0, 80)}, expected a string of at most 256 characters`);
  const weight = e.weight === undefined ? null : (e.weight as number);
  const process = e.process === undefined ? null : (e.process as string);
  if (typeof e.sums !== "object" || e.sums === null) fail(`missing "sums"`);
  for (const f of SUM_FIELDS) int((e.sums as Record<string, unknown>)[f], `sums.${f}`, sumSpec(f));
  const objects = (kind: string, cap: number, specs: Record<string, FieldSpec>, fields: readonly string[]) => {
    const list = e[kind];
    if (!Array.isArray(list)) fail(`missing "${kind}" list`);
    const arr = list as unknown[];
    if (arr.length > cap) fail(`${arr.length} ${kind}, more than the cap ${cap}`);
    arr.forEach((o, j) => {
      if (typeof o !== "object" || o === null) fail(`${kind}[${j}] is not an object`);
      for (const f of fields) int((o as Record<string, unknown>)[f], `${kind}[${j}].${f}`, specs[f] ?? INT32);
    });
  };
  objects("muons", DECODED_CAPS.muon, MUON_SPECS, MUON_FIELDS);
  for (const [kind, etSpec] of CALO_KINDS) {
    const cap = kind === "jets" ? DECODED_CAPS.jet : kind === "egammas" ? DECODED_CAPS.egamma : DECODED_CAPS.tau;
    objects(kind, cap, caloFieldSpecs(etSpec), CALO_FIELDS);
  }
  return { orbit, bx, label, weight, process, ev: e };
}

function buildBatch(events: Parsed[]): OrbitBatch {
  const count = (k: string) => events.reduce((s, p) => s + (p.ev[k] as unknown[]).length, 0);
  const withLabels = events.some((p) => p.label !== null);
  const b = allocateBatch(events[0].orbit, {
    nBx: events.length, muons: count("muons"), jets: count("jets"), egammas: count("egammas"), taus: count("taus"),
  }, withLabels);
  // Events without a weight weigh 1; without a process name, "" (only when some event has one).
  if (events.some((p) => p.weight !== null)) b.weight = Float32Array.from(events, (p) => p.weight ?? 1);
  if (events.some((p) => p.process !== null)) b.process = events.map((p) => p.process ?? "");
  const at = { muons: 0, jets: 0, egammas: 0, taus: 0 };
  events.forEach((p, i) => {
    b.bx[i] = p.bx;
    if (b.label) b.label[i] = p.label ?? 0;
    const sums = p.ev.sums as Record<string, number>;
    for (const f of SUM_FIELDS) b.sums[f][i] = sums[f];
    for (const o of p.ev.muons as Record<string, number>[]) {
      for (const f of MUON_FIELDS) b.muons[f][at.muons] = o[f];
      at.muons++;
    }
    b.muons.offset[i + 1] = at.muons;
    for (const [kind] of CALO_KINDS) {
      for (const o of p.ev[kind] as Record<string, number>[]) {
        for (const f of CALO_FIELDS) b[kind][f][at[kind]] = o[f];
        at[kind]++;
      }
      b[kind].offset[i + 1] = at[kind];
    }
  });
  return b;
}

/**
 * The events of a JSONL file as OrbitBatches, one per orbit. Blank lines are skipped; anything else
 * that is not a valid event (bad JSON, out-of-range field, counts over the caps, BX not ascending
 * within an orbit, orbits going backwards) is a FileFormatError naming the line.
 */
export function* readJsonl(path: string): Generator<OrbitBatch> {
  let pending: Parsed[] = [];
  for (const [lineNo, text] of textLines(path, MAX_JSONL_LINE)) {
    if (text.trim() === "") continue;
    const p = parseLine(path, lineNo, text);
    const last = pending[pending.length - 1];
    if (last && p.orbit !== last.orbit) {
      if (p.orbit < last.orbit) throw new FileFormatError(path, `line ${lineNo}: orbit ${p.orbit} after orbit ${last.orbit}`);
      yield buildBatch(pending);
      pending = [];
    } else if (last && p.bx <= last.bx) {
      throw new FileFormatError(path, `line ${lineNo}: bx ${p.bx} not after bx ${last.bx} in orbit ${p.orbit}`);
    }
    pending.push(p);
  }
  if (pending.length > 0) yield buildBatch(pending);
}
