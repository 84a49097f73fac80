/**
 * The unit on the bus: one orbit and everything the stages attach to it (DESIGN §1: orbit batches,
 * never single events). Stages fill fields in place; nothing here is per event.
 */
import type { OrbitBatch } from "../events/batch.js";
import type { ScoreBatch } from "../compare/results.js";

export interface OrbitWork {
  /** Position in the source stream, 0-based. */
  seq: number;
  /** The orbit as the source produced it: its BX list is the set of events that "entered". */
  input: OrbitBatch;
  /** When the orbit was (link-rate: scheduled to be) sent, ns on the `performance.now()` clock. */
  sentNs: number;
  /** Set when a full buffer dropped the orbit: no stage after the drop point touches it. */
  dropped: boolean;
  /** Framed link bytes (after the framer stage). */
  wire?: Uint8Array[];
  /** The orbit as the deframer rebuilt it (the input itself when there is no link stage). */
  decoded?: OrbitBatch;
  /** Link faults the deframer counted on this orbit, by kind. */
  linkFaults?: Record<string, number>;
  /** Physical-unit features of `decoded`, n × 57. */
  features?: Float32Array;
  /** Raw fixed-point inputs of `decoded` in the model's input format, n × 57. */
  inputs?: Int32Array;
  /** BX of the rows of `inputs` when a whole-orbit worker decoded the orbit (`decoded` is then absent). */
  inputsBx?: Uint16Array;
  /** One result per scorer, each over the BX list of `input`. */
  results?: ScoreBatch[];
}

/** Event count of an orbit as it entered the pipeline. */
export function eventsOf(work: OrbitWork): number {
  return work.input.nBx;
}

export function newWork(seq: number, input: OrbitBatch, sentNs: number): OrbitWork {
  return { seq, input, sentNs, dropped: false };
}

/** ns on the monotonic clock shared by sources and sinks. */
export function nowNs(): number {
  return performance.now() * 1e6;
}
