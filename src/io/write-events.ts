/**
 * One way out for every event format: `openEventWriter(path, { format })` appends OrbitBatches and,
 * on close, says in one line what the format could not hold (per kind), or nothing when it holds
 * everything (scoutloop HDF5, JSONL: labels, weights and process names included).
 *
 * The link formats (raw DMA capture, pattern file) are written by `scoutloop frame`, which owns
 * the framer's options; here they are lossless apart from what the link itself drops.
 */
import { extname } from "node:path";
import { SUM_FIELDS, type OrbitBatch } from "../events/batch.js";
import { ADC_SLOT_RANGES } from "./adc2021-layout.js";
import { Adc2021Writer } from "./adc2021-writer.js";
import { DarkMachinesWriter } from "./darkmachines.js";
import { JsonlWriter } from "./jsonl.js";
import { ScoutloopH5Writer } from "./scoutloop-h5.js";

export type WritableFormat = "scoutloop-h5" | "adc2021-h5" | "jsonl" | "darkmachines";
export const WRITABLE_FORMATS: readonly WritableFormat[] = ["scoutloop-h5", "adc2021-h5", "jsonl", "darkmachines"];

export interface EventWriter {
  readonly path: string;
  readonly format: WritableFormat;
  append(batch: OrbitBatch): void;
  /** Events appended so far. */
  readonly events: number;
  /** Flush and close; returns the number of events written. */
  close(): number;
  /** After close (or at any time): one line saying what was dropped, or null when nothing was. */
  lossLine(): string | null;
}

/** The format a file name asks for: .h5/.hdf5 → scoutloop HDF5 (or ADC2021 with `layout`), .jsonl, .csv. */
export function writableFormatFor(path: string, layout?: "scoutloop" | "adc2021"): WritableFormat | null {
  const ext = extname(path).toLowerCase();
  if (ext === ".h5" || ext === ".hdf5") return layout === "adc2021" ? "adc2021-h5" : "scoutloop-h5";
  if (ext === ".jsonl") return "jsonl";
  if (ext === ".csv") return "darkmachines";
  return null;
}

/** What the ADC2021 layout drops from a batch, counted per kind. */
class Adc2021Loss {
  taus = 0;
  egammas = 0;
  muons = 0;
  jets = 0;
  /** Muons carrying fields the layout has no place for (charge, quality, isolation, station η/φ, …). */
  muonFields = 0;
  caloIso = 0;
  /** Events with a non-zero sum other than MET. */
  sums = 0;
  weights = 0;
  processes = 0;

  add(b: OrbitBatch): void {
    for (let i = 0; i < b.nBx; i++) {
      const over = (block: { offset: Uint32Array }, cap: number) => Math.max(0, block.offset[i + 1] - block.offset[i] - cap);
      this.taus += b.taus.offset[i + 1] - b.taus.offset[i];
      this.egammas += over(b.egammas, ADC_SLOT_RANGES.egamma.n);
      this.muons += over(b.muons, ADC_SLOT_RANGES.muon.n);
      this.jets += over(b.jets, ADC_SLOT_RANGES.jet.n);
      for (const f of SUM_FIELDS) {
        if (f !== "hwMissEt" && f !== "hwMissEtPhi" && b.sums[f][i] !== 0) {
          this.sums++;
          break;
        }
      }
    }
    const m = b.muons;
    for (let k = 0; k < m.offset[b.nBx]; k++) {
      if (m.hwCharge[k] || m.hwQual[k] || m.hwIso[k] || m.hwDXY[k] || m.hwPtUnconstrained[k] || m.tfMuonIndex[k] || m.hwEta[k] !== m.hwEtaAtVtx[k] || m.hwPhi[k] !== m.hwPhiAtVtx[k]) this.muonFields++;
    }
    for (const block of [b.jets, b.egammas]) for (let k = 0; k < block.offset[b.nBx]; k++) if (block.hwIso[k]) this.caloIso++;
    if (b.weight) this.weights += b.nBx;
    if (b.process) this.processes += b.nBx;
  }

  line(): string | null {
    const parts: string[] = [];
    if (this.taus) parts.push(`τ ${this.taus} (no τ slots)`);
    if (this.egammas) parts.push(`e/γ ${this.egammas} beyond 4`);
    if (this.muons) parts.push(`μ ${this.muons} beyond 4`);
    if (this.jets) parts.push(`jets ${this.jets} beyond 10`);
    if (this.muonFields) parts.push(`μ charge/quality/iso/station η,φ/index of ${this.muonFields} muons`);
    if (this.caloIso) parts.push(`isolation/quality bits of ${this.caloIso} calo objects`);
    if (this.sums) parts.push(`sums other than MET in ${this.sums} events`);
    if (this.weights) parts.push(`weights of ${this.weights} events`);
    if (this.processes) parts.push(`process names of ${this.processes} events`);
    return parts.length ? `ADC2021 layout dropped: ${parts.join("; ")}` : null;
  }
}

export interface EventWriterOptions {
  format?: WritableFormat;
  /** HDF5 root attributes (provenance). */
  provenance?: Record<string, string | number>;
}

export async function openEventWriter(path: string, opts: EventWriterOptions = {}): Promise<EventWriter> {
  const format = opts.format ?? writableFormatFor(path);
  if (!format) throw new Error(`${path}: unknown output type "${extname(path)}" (use .h5/.hdf5, .jsonl or .csv)`);
  switch (format) {
    case "scoutloop-h5": {
      const w = await ScoutloopH5Writer.create(path, { provenance: opts.provenance });
      return wrap(path, format, w, () => null);
    }
    case "jsonl": {
      const w = new JsonlWriter(path);
      return wrap(path, format, w, () => null);
    }
    case "adc2021-h5": {
      const w = await Adc2021Writer.create(path, { provenance: opts.provenance });
      const loss = new Adc2021Loss();
      return wrap(path, format, { append: (b) => (loss.add(b), w.append(b)), close: () => w.close(), get events() { return w.events; } }, () => loss.line());
    }
    case "darkmachines": {
      const w = new DarkMachinesWriter(path);
      return wrap(path, format, w, () => {
        const l = w.loss;
        const parts: string[] = [];
        if (l.taus) parts.push(`τ ${l.taus} (no τ code)`);
        if (l.otherSums) parts.push(`sums other than MET in ${l.otherSums} events`);
        if (l.muonFields) parts.push(`μ quality/iso/station η,φ/index of ${l.muonFields} muons`);
        if (l.unknownCharge) parts.push(`${l.unknownCharge} muons without a valid charge written as m-`);
        if (l.caloIso) parts.push(`isolation/quality bits of ${l.caloIso} calo objects`);
        if (l.events) parts.push(`orbit/BX of ${l.events} events (numbered in order); e/γ written as g`);
        return parts.length ? `DarkMachines CSV dropped: ${parts.join("; ")}` : null;
      });
    }
  }
}

function wrap(
  path: string, format: WritableFormat, w: { append(b: OrbitBatch): void; close(): number; readonly events: number }, lossLine: () => string | null,
): EventWriter {
  return {
    path, format, lossLine,
    append: (b) => w.append(b),
    get events() {
      return w.events;
    },
    close: () => w.close(),
  };
}
