/**
 * Writing OrbitBatches as an ADC2021-layout HDF5 file (layout: ./adc2021-layout.ts), streaming:
 * datasets are chunked and extensible. Rows are staged in memory and written one whole HDF5 chunk
 * at a time, so each (compressed) chunk is written once instead of being re-read and re-compressed
 * for every orbit that touches it.
 *
 * Values are physical (GeV, η, rad) from `extractFeatures`, so the file reads like the public
 * ADC2021 data; τ leptons and object fields beyond (pT, η, φ) are not part of the layout and are
 * dropped, as are objects beyond the slots (4 e/γ, 4 μ, 10 jets).
 */
import type { OrbitBatch } from "../events/batch.js";
import { extractFeatures, N_FEATURES } from "../events/features.js";
import {
  ADC_FIELDS, ADC_ROW, ADC_SLOTS, ADC_BX, CLASS_OF_SLOT, ADC_LABELS, ADC_MAX_EVENTS, ADC_ORBIT, ADC_PARTICLES, ADC_PARTICLES_CLASSES,
  ADC_PARTICLES_NAMES, ADC_SLOT_RANGES,
} from "./adc2021-layout.js";
import { type h5, hdf5Reason } from "./hdf5.js";
import { createH5File, StagedH5Writer, writeAllBatches } from "./h5-writer.js";

/** First slot of class 1..4 (MET, e/γ, μ, jet), and scratch for the filled-slot counts. */
const FIRST_SLOT_OF_CLASS = [ADC_SLOT_RANGES.met.first, ADC_SLOT_RANGES.egamma.first, ADC_SLOT_RANGES.muon.first, ADC_SLOT_RANGES.jet.first];
const filledSlots = new Int32Array(4);

export interface Adc2021WriteOptions {
  /** Scalar root attributes recording where the data came from (seed, signal, tool version, …). */
  provenance?: Record<string, string | number>;
  /** Write the `labels` dataset (generator truth; 0 where a batch has no labels). Default true. */
  labels?: boolean;
  /** Rows per HDF5 chunk (default 4096) and gzip level 0–9 (default 1: the zero padding shrinks a lot). */
  chunkRows?: number;
  compression?: number;
}

export class Adc2021Writer extends StagedH5Writer {
  /** Rows flushed to the file so far, and rows staged for the next chunk. */
  private written = 0;
  private staged = 0;
  private features = new Float32Array(0);
  private readonly stage: { rows: Float32Array; orbit: Uint32Array; bx: Uint16Array; labels: Uint8Array };
  private constructor(
    path: string,
    file: h5.File,
    private readonly chunk: number,
    private readonly particles: h5.Dataset,
    private readonly orbit: h5.Dataset,
    private readonly bx: h5.Dataset,
    private readonly labels: h5.Dataset | null,
  ) {
    super(path, file);
    this.stage = {
      rows: new Float32Array(chunk * ADC_ROW), orbit: new Uint32Array(chunk), bx: new Uint16Array(chunk), labels: new Uint8Array(chunk),
    };
  }

  static async create(path: string, opts: Adc2021WriteOptions = {}): Promise<Adc2021Writer> {
    const chunk = Math.max(1, Math.min(1 << 16, opts.chunkRows ?? 4096));
    const level = opts.compression ?? 1;
    const file = await createH5File(path);
    try {
      const extensible = (name: string, dtype: string, inner: number[], data: Float32Array | Uint32Array | Uint16Array | Uint8Array) =>
        file.create_dataset({
          name, data, dtype, shape: [0, ...inner], maxshape: [null, ...inner], chunks: [chunk, ...inner],
          ...(level > 0 ? { compression: level } : {}),
        });
      const particles = extensible(ADC_PARTICLES, "<f", [ADC_SLOTS, ADC_FIELDS], new Float32Array(0));
      const orbit = extensible(ADC_ORBIT, "<I", [], new Uint32Array(0));
      const bx = extensible(ADC_BX, "<H", [], new Uint16Array(0));
      const labels = opts.labels === false ? null : extensible(ADC_LABELS, "<B", [], new Uint8Array(0));
      file.create_dataset({ name: "Particles_Names", data: [...ADC_PARTICLES_NAMES] });
      file.create_dataset({ name: "Particles_Classes", data: [...ADC_PARTICLES_CLASSES] });
      for (const [key, value] of Object.entries(opts.provenance ?? {})) file.create_attribute(key, value);
      return new Adc2021Writer(path, file, chunk, particles, orbit, bx, labels);
    } catch (err) {
      file.close();
      throw new Error(`${path}: cannot write HDF5 file: ${hdf5Reason(err)}`);
    }
  }

  /** Events appended so far (written or staged). */
  get events(): number {
    return this.written + this.staged;
  }

  /** Append every stored BX of a batch as one event row. */
  protected stageBatch(batch: OrbitBatch): void {
    const n = batch.nBx;
    if (n === 0) return;
    if (this.events + n > ADC_MAX_EVENTS) throw new Error(`${this.path}: more than ${ADC_MAX_EVENTS} events in one file`);
    if (this.features.length < n * N_FEATURES) this.features = new Float32Array(n * N_FEATURES);
    const feats = extractFeatures(batch, this.features);
    const { egammas, muons, jets } = batch;
    const st = this.stage;
    for (let i = 0; i < n; i++) {
      const r = this.staged;
      // A slot is filled when the batch has that many objects of the kind (MET always is).
      filledSlots[0] = 1;
      filledSlots[1] = Math.min(ADC_SLOT_RANGES.egamma.n, egammas.offset[i + 1] - egammas.offset[i]);
      filledSlots[2] = Math.min(ADC_SLOT_RANGES.muon.n, muons.offset[i + 1] - muons.offset[i]);
      filledSlots[3] = Math.min(ADC_SLOT_RANGES.jet.n, jets.offset[i + 1] - jets.offset[i]);
      for (let s = 0; s < ADC_SLOTS; s++) {
        const o = r * ADC_ROW + s * ADC_FIELDS;
        const f = i * N_FEATURES + s * 3;
        st.rows[o] = feats[f];
        st.rows[o + 1] = feats[f + 1];
        st.rows[o + 2] = feats[f + 2];
        const cls = CLASS_OF_SLOT[s];
        st.rows[o + 3] = s - FIRST_SLOT_OF_CLASS[cls - 1] < filledSlots[cls - 1] ? cls : 0;
      }
      st.orbit[r] = batch.orbit;
      st.bx[r] = batch.bx[i];
      st.labels[r] = batch.label ? batch.label[i] : 0;
      if (++this.staged === this.chunk) this.flush();
    }
  }

  protected flush(): void {
    const n = this.staged;
    if (n === 0) return;
    const from = this.written;
    const to = from + n;
    const st = this.stage;
    try {
      this.particles.resize([to, ADC_SLOTS, ADC_FIELDS]);
      this.particles.write_slice([[from, to], [0, ADC_SLOTS], [0, ADC_FIELDS]], st.rows.subarray(0, n * ADC_ROW));
      this.orbit.resize([to]);
      this.orbit.write_slice([[from, to]], st.orbit.subarray(0, n));
      this.bx.resize([to]);
      this.bx.write_slice([[from, to]], st.bx.subarray(0, n));
      if (this.labels) {
        this.labels.resize([to]);
        this.labels.write_slice([[from, to]], st.labels.subarray(0, n));
      }
    } catch (err) {
      throw new Error(`${this.path}: cannot write events ${from}..${to}: ${hdf5Reason(err)}`);
    }
    this.written = to;
    this.staged = 0;
  }
}

/** Write batches to `path` in one go; returns the number of events. */
export async function writeAdc2021(path: string, batches: Iterable<OrbitBatch>, opts: Adc2021WriteOptions = {}): Promise<number> {
  return writeAllBatches(await Adc2021Writer.create(path, opts), batches);
}
