/**
 * The scoutloop HDF5 event layout: everything an OrbitBatch holds, columnar per kind, lossless.
 * (The ADC2021 layout, ./adc2021-layout.ts, keeps 19 slots of pT, η, φ and nothing else.)
 *
 * ```
 * /                 attrs: scoutloop_layout = "events-v1", plus provenance (tool, generator_seed, …)
 * /events/orbit     uint32 (N)   orbit of each stored BX (ascending)
 * /events/bx        uint16 (N)   BX in 0..3564 (ascending within an orbit; generated data 1..3564)
 * /events/label     uint8  (N)   generator truth (0 background, k = SIGNALS[k-1]); only when known
 * /events/weight    float32 (N)  event weight; only for inputs that carry one (DarkMachines CSV)
 * /events/process   uint16 (N)   index into /events/process_names; only for inputs that carry one
 * /events/process_names  string (P)  physics process names (entry 0 = "" = none given)
 * /sums/<field>     int32  (N)   every SUM_FIELDS entry (hwTotalEt, …, hwTowerCount)
 * /<kind>/count     uint8  (N)   objects of the kind in each BX, kind = muon, jet, egamma, tau
 * /<kind>/<field>   int16  (M)   the objects of every BX back to back, pT-ordered within a BX:
 *                                muon: MUON_FIELDS; jet, egamma, tau: hwEt, hwEta, hwPhi, hwIso
 * ```
 * Values are hardware units (src/events/scales.ts). In h5py, the objects of event i are
 * `f["jet/hwEt"][c[i]:c[i+1]]` with
 * `c = numpy.concatenate([[0], numpy.cumsum(f["jet/count"][()], dtype=numpy.int64)])`.
 * Datasets are chunked and gzip-1 compressed. The reader checks every dimension before it
 * allocates (./scoutloop-h5-describe.ts), every count against its cap and every field against its
 * hardware width; it reads on an HDF5 thread under a watchdog (./hdf5-thread.ts).
 */
import {
  allocateBatch, BX_MAX, BX_DECODED_MIN, CALO_FIELDS, DECODED_CAPS, MUON_FIELDS, type ObjectKind, OBJECT_KINDS, type OrbitBatch, SUM_FIELDS,
} from "../events/batch.js";
import { fieldRange, type FieldSpec } from "../events/scales.js";
import { ADC_MAX_EVENTS } from "./adc2021-layout.js";
import { type AttrValue, putFloat64 } from "./hdf5-describe.js";
import { FileFormatError } from "./errors.js";
import { createH5File, StagedH5Writer, writeAllBatches } from "./h5-writer.js";
import { CALO_BLOCKS, caloFieldSpecs, MUON_FIELD_SPECS, sumFieldSpec } from "./field-specs.js";
import { type h5, hdf5Reason } from "./hdf5.js";
import { type Hdf5Handle, openHdf5Layout } from "./hdf5-thread.js";
import { fieldsOf, SCOUTLOOP_LAYOUT, SCOUTLOOP_LAYOUT_ATTR, type ScoutloopH5Info } from "./scoutloop-h5-describe.js";

export { isScoutloopLayout, SCOUTLOOP_LAYOUT, SCOUTLOOP_LAYOUT_ATTR } from "./scoutloop-h5-describe.js";

/** OrbitBatch block of each kind and the fields stored for it. */
const BLOCK_OF: Record<ObjectKind, "muons" | "jets" | "egammas" | "taus"> = { muon: "muons", jet: "jets", egamma: "egammas", tau: "taus" };
function specsOf(kind: ObjectKind): Record<string, FieldSpec> {
  if (kind === "muon") return MUON_FIELD_SPECS;
  const et = CALO_BLOCKS.find(([b]) => b === BLOCK_OF[kind])![1];
  return caloFieldSpecs(et);
}

export interface ScoutloopH5WriteOptions {
  provenance?: Record<string, string | number>;
  /** Rows per chunk of the per-BX datasets (objects: 4× that). Default 4096. */
  chunkRows?: number;
  /** gzip level 0–9, default 1. */
  compression?: number;
}

type Column = { ds: h5.Dataset; data: Int16Array | Int32Array | Uint32Array | Uint16Array | Uint8Array | Float32Array; n: number };

/** Streaming writer: stages rows in memory and appends them a chunk at a time. */
export class ScoutloopH5Writer extends StagedH5Writer {
  private eventsWritten = 0;
  private labelled = false;
  private weighted = false;
  /** Process names seen so far (entry 0 = "" for events without one) and their indices. */
  private processNames: string[] | null = null;
  private readonly processIndex = new Map<string, number>();
  private readonly perBx = new Map<string, Column>();
  private readonly perObject = new Map<string, Column>();
  private readonly objectsWritten: Record<ObjectKind, number> = { muon: 0, jet: 0, egamma: 0, tau: 0 };
  private staged = 0;

  private constructor(path: string, file: h5.File, private readonly chunk: number, private readonly level: number) {
    super(path, file);
  }

  static async create(path: string, opts: ScoutloopH5WriteOptions = {}): Promise<ScoutloopH5Writer> {
    const file = await createH5File(path);
    const w = new ScoutloopH5Writer(path, file, Math.max(1, Math.min(1 << 16, opts.chunkRows ?? 4096)), opts.compression ?? 1);
    try {
      file.create_attribute(SCOUTLOOP_LAYOUT_ATTR, SCOUTLOOP_LAYOUT);
      for (const [key, value] of Object.entries(opts.provenance ?? {})) file.create_attribute(key, value);
      for (const g of ["events", "sums", ...OBJECT_KINDS]) file.create_group(g);
      w.column(w.perBx, "events/orbit", "<I", new Uint32Array(w.chunk));
      w.column(w.perBx, "events/bx", "<H", new Uint16Array(w.chunk));
      for (const f of SUM_FIELDS) w.column(w.perBx, `sums/${f}`, "<i", new Int32Array(w.chunk));
      for (const k of OBJECT_KINDS) {
        w.column(w.perBx, `${k}/count`, "<B", new Uint8Array(w.chunk));
        for (const f of fieldsOf(k)) w.column(w.perObject, `${k}/${f}`, "<h", new Int16Array(w.chunk * DECODED_CAPS[k]));
      }
    } catch (err) {
      file.close();
      throw new Error(`${path}: cannot write HDF5 file: ${hdf5Reason(err)}`);
    }
    return w;
  }

  private column(into: Map<string, Column>, name: string, dtype: string, stage: Column["data"]): void {
    const chunk = into === this.perObject ? this.chunk * 4 : this.chunk;
    const ds = this.file.create_dataset({
      name, data: stage.subarray(0, 0), dtype, shape: [0], maxshape: [null], chunks: [chunk],
      ...(this.level > 0 ? { compression: this.level } : {}),
    });
    into.set(name, { ds, data: stage, n: 0 });
  }

  get events(): number {
    return this.eventsWritten + this.staged;
  }

  protected stageBatch(batch: OrbitBatch): void {
    if (this.events + batch.nBx > ADC_MAX_EVENTS) throw new Error(`${this.path}: more than ${ADC_MAX_EVENTS} events in one file`);
    if (batch.label && !this.labelled) {
      this.labelled = true;
      this.startColumn("events/label", "<B", new Uint8Array(this.chunk), 0);
    }
    if (batch.weight && !this.weighted) {
      this.weighted = true;
      this.startColumn("events/weight", "<f", new Float32Array(this.chunk), 1);
    }
    if (batch.process && !this.processNames) {
      this.processNames = [""];
      this.processIndex.set("", 0);
      this.startColumn("events/process", "<H", new Uint16Array(this.chunk), 0);
    }
    // Whole batches go into the stage; a batch bigger than the stage is flushed through in parts.
    for (let i = 0; i < batch.nBx; i++) {
      if (this.staged === this.chunk) this.flush();
      const r = this.staged++;
      this.put("events/orbit", r, batch.orbit);
      this.put("events/bx", r, batch.bx[i]);
      if (this.labelled) this.put("events/label", r, batch.label ? batch.label[i] : 0);
      if (this.weighted) this.put("events/weight", r, batch.weight ? batch.weight[i] : 1);
      if (this.processNames) this.put("events/process", r, batch.process ? this.processId(batch.process[i]) : 0);
      for (const f of SUM_FIELDS) this.put(`sums/${f}`, r, batch.sums[f][i]);
      for (const k of OBJECT_KINDS) {
        const block = batch[BLOCK_OF[k]] as unknown as Record<string, Int32Array> & { offset: Uint32Array };
        const from = block.offset[i], to = block.offset[i + 1];
        if (to - from > DECODED_CAPS[k]) throw new Error(`${this.path}: orbit ${batch.orbit} bx ${batch.bx[i]} has ${to - from} ${k} objects, more than the cap ${DECODED_CAPS[k]}`);
        this.put(`${k}/count`, r, to - from);
        for (const f of fieldsOf(k)) {
          const col = this.perObject.get(`${k}/${f}`)!;
          col.data.set(block[f].subarray(from, to), col.n);
          col.n += to - from;
        }
      }
    }
  }

  private processId(name: string): number {
    let id = this.processIndex.get(name);
    if (id === undefined) {
      if (this.processNames!.length > 0xffff) throw new Error(`${this.path}: more than ${0xffff} distinct process names`);
      id = this.processNames!.push(name) - 1;
      this.processIndex.set(name, id);
    }
    return id;
  }

  private put(name: string, row: number, value: number): void {
    const col = this.perBx.get(name)!;
    col.data[row] = value;
    col.n = row + 1;
  }

  /**
   * An optional per-BX column that appears with the first batch carrying it (labels, weights):
   * rows written or staged before it get `fill` (label 0, weight 1).
   */
  private startColumn(name: string, dtype: string, stage: Uint8Array | Uint16Array | Float32Array, fill: number): void {
    this.column(this.perBx, name, dtype, stage);
    const col = this.perBx.get(name)!;
    if (this.eventsWritten > 0) {
      const before = stage instanceof Float32Array ? new Float32Array(this.eventsWritten)
        : stage instanceof Uint16Array ? new Uint16Array(this.eventsWritten) : new Uint8Array(this.eventsWritten);
      col.ds.resize([this.eventsWritten]);
      col.ds.write_slice([[0, this.eventsWritten]], before.fill(fill));
    }
    col.data.fill(fill, 0, this.staged);
    col.n = this.staged;
  }

  protected flush(): void {
    if (this.staged === 0) return;
    try {
      const from = this.eventsWritten, to = from + this.staged;
      for (const col of this.perBx.values()) {
        col.ds.resize([to]);
        col.ds.write_slice([[from, to]], col.data.subarray(0, this.staged));
        col.n = 0;
      }
      for (const k of OBJECT_KINDS) {
        const n = this.perObject.get(`${k}/${fieldsOf(k)[0]}`)!.n;
        const a = this.objectsWritten[k], b = a + n;
        for (const f of fieldsOf(k)) {
          const col = this.perObject.get(`${k}/${f}`)!;
          if (n > 0) {
            col.ds.resize([b]);
            col.ds.write_slice([[a, b]], col.data.subarray(0, n));
          }
          col.n = 0;
        }
        this.objectsWritten[k] = b;
      }
      this.eventsWritten = to;
      this.staged = 0;
    } catch (err) {
      throw new Error(`${this.path}: cannot write events: ${hdf5Reason(err)}`);
    }
  }

  /** The process-name table, once every index is known. */
  protected override finish(): void {
    if (this.processNames) this.file.create_dataset({ name: "events/process_names", data: this.processNames });
  }
}

export async function writeScoutloopH5(path: string, batches: Iterable<OrbitBatch>, opts: ScoutloopH5WriteOptions = {}): Promise<number> {
  return writeAllBatches(await ScoutloopH5Writer.create(path, opts), batches);
}

/** An open scoutloop-layout file: validated on open, read orbit by orbit. */
export class ScoutloopH5File {
  readonly nEvents: number;
  readonly orbit: Float64Array;
  readonly bx: Float64Array;
  readonly label: Uint8Array | null;
  readonly weight: Float32Array | null;
  readonly attrs: Record<string, AttrValue>;

  private constructor(readonly path: string, private readonly file: Hdf5Handle, private readonly info: ScoutloopH5Info) {
    ({ nEvents: this.nEvents, orbit: this.orbit, bx: this.bx, label: this.label, weight: this.weight, attrs: this.attrs } = info);
  }

  static async open(path: string): Promise<ScoutloopH5File> {
    const { file, info } = await openHdf5Layout<ScoutloopH5Info>(path, "scoutloop");
    return new ScoutloopH5File(path, file, info);
  }

  /** Object totals per kind. */
  get objectCounts(): Record<ObjectKind, number> {
    const out = {} as Record<ObjectKind, number>;
    for (const k of OBJECT_KINDS) out[k] = this.info.starts[k][this.nEvents];
    return out;
  }

  /**
   * Columns of one orbit into their batch arrays, read in one round trip to the HDF5 thread and
   * checked against each field's hardware range.
   */
  private readColumns(columns: { name: string; from: number; to: number; spec: FieldSpec; into: Int32Array }[]): void {
    const parts = columns.filter((c) => c.to > c.from);
    const bytes = parts.reduce((a, c) => a + (c.to - c.from) * 8, 0);
    const raws = this.file.slices(parts.map((c) => ({ name: c.name, ranges: [[c.from, c.to]], what: `"${c.name}" rows ${c.from}..${c.to}` })), bytes);
    parts.forEach(({ name, from, spec, into }, p) => {
      const raw = putFloat64(raws[p]);
      const [lo, hi] = fieldRange(spec);
      if (raw.length !== into.length) throw new FileFormatError(this.path, `"${name}" rows from ${from} read back as ${raw.length} values, not ${into.length}`);
      for (let i = 0; i < into.length; i++) {
        const v = raw[i];
        if (!(v >= lo && v <= hi)) throw new FileFormatError(this.path, `"${name}"[${from + i}] = ${v}, expected ${lo}..${hi}`);
        into[i] = v;
      }
    });
  }

  /** Stored BX [from, to), all of one orbit, as a batch. */
  private batch(from: number, to: number): OrbitBatch {
    const nBx = to - from;
    const size = { nBx, muons: 0, jets: 0, egammas: 0, taus: 0 };
    const starts = this.info.starts;
    for (const k of OBJECT_KINDS) size[BLOCK_OF[k]] = starts[k][to] - starts[k][from];
    const b = allocateBatch(this.orbit[from], size, this.label !== null);
    for (let i = 0; i < nBx; i++) b.bx[i] = this.bx[from + i];
    if (this.label) b.label!.set(this.label.subarray(from, to));
    if (this.weight) b.weight = this.weight.slice(from, to);
    const { processIndex, processNames } = this.info;
    if (processIndex && processNames) b.process = Array.from(processIndex.subarray(from, to), (v) => processNames[v]);
    const columns = SUM_FIELDS.map((f) => ({ name: `sums/${f}`, from, to, spec: sumFieldSpec(f), into: b.sums[f] }));
    for (const k of OBJECT_KINDS) {
      const block = b[BLOCK_OF[k]] as unknown as Record<string, Int32Array> & { offset: Uint32Array };
      const s = starts[k];
      for (let i = 0; i <= nBx; i++) block.offset[i] = s[from + i] - s[from];
      const specs = specsOf(k);
      for (const f of fieldsOf(k)) columns.push({ name: `${k}/${f}`, from: s[from], to: s[to], spec: specs[f], into: block[f] });
    }
    this.readColumns(columns);
    return b;
  }

  /** The file's orbits in order, one batch each. */
  *orbits(): Generator<OrbitBatch> {
    for (let from = 0; from < this.nEvents; ) {
      let to = from + 1;
      while (to < this.nEvents && this.orbit[to] === this.orbit[from]) to++;
      yield this.batch(from, to);
      from = to;
    }
  }

  /** Number of distinct orbits. */
  get nOrbits(): number {
    let k = 0;
    for (let i = 0; i < this.nEvents; i++) if (i === 0 || this.orbit[i] !== this.orbit[i - 1]) k++;
    return k;
  }

  close(): void {
    this.file.close();
  }
}
