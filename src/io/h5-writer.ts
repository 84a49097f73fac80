/**
 * What the HDF5 event writers (scoutloop layout, ADC2021 layout) share: creating the file with
 * one-line errors that name it, and a writer that stages events in memory, writes them a whole
 * chunk at a time (each compressed chunk written once) and flushes the tail exactly once at close.
 */
import { dirname } from "node:path";
import { existsSync } from "node:fs";
import type { OrbitBatch } from "../events/batch.js";
import { type h5, hdf5Reason, loadHdf5 } from "./hdf5.js";

/** A new HDF5 file at `path` opened for writing (its directory must exist). */
export async function createH5File(path: string): Promise<h5.File> {
  const lib = await loadHdf5();
  if (!existsSync(dirname(path) || ".")) throw new Error(`${path}: cannot create HDF5 file: directory ${dirname(path)} does not exist`);
  try {
    return new lib.File(path, "w");
  } catch (err) {
    throw new Error(`${path}: cannot create HDF5 file: ${hdf5Reason(err)}`);
  }
}

export abstract class StagedH5Writer {
  private closed = false;

  protected constructor(readonly path: string, protected readonly file: h5.File) {}

  /** Events appended so far (written and staged). */
  abstract get events(): number;

  /** Stages the batch's events; writes whole chunks as they fill. */
  append(batch: OrbitBatch): void {
    if (this.closed) throw new Error(`${this.path}: writer already closed`);
    this.stageBatch(batch);
  }

  protected abstract stageBatch(batch: OrbitBatch): void;

  /** Writes what is staged (a whole chunk, or the tail at close). */
  protected abstract flush(): void;

  /** Writes what only the end knows (e.g. a table of names), after the last flush. */
  protected finish(): void {}

  /** Writes what is staged and closes the file; returns the number of events written. */
  close(): number {
    if (!this.closed) {
      this.closed = true;
      try {
        this.flush();
        try {
          this.finish();
        } catch (err) {
          throw new Error(`${this.path}: cannot write events: ${hdf5Reason(err)}`);
        }
      } finally {
        this.file.close();
      }
    }
    return this.events;
  }
}

/** Appends every batch to `writer` and closes it (also on error); returns the number of events. */
export function writeAllBatches(writer: StagedH5Writer, batches: Iterable<OrbitBatch>): number {
  try {
    for (const b of batches) writer.append(b);
  } finally {
    writer.close();
  }
  return writer.events;
}
