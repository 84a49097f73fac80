/**
 * The link stages: framer and deframer, as plain functions over one orbit wrapped as operators.
 *
 * ```
 * source:  --a--b--c--|
 * frame:   --a'-b'-c'-|     a' = a with `wire` bytes (the scouting DMA packet)
 * deframe: --a"-b"-c"-|     a" = a' with `decoded` (the orbit rebuilt from the bytes) + faults
 * ```
 *
 * The codec is injected (src/link provides the real one, tests may inject a lossy one); a
 * dropped orbit passes untouched. Events the deframer loses are failed later as "deframe-lost".
 */
import { map, type OperatorFunction } from "rxjs";
import type { OrbitBatch } from "../events/batch.js";
import type { OrbitWork } from "./work.js";

export interface LinkCodec {
  /** Bytes of one orbit on the link, one chunk per stream (e.g. muon and calo DMA packets). */
  frame(batch: OrbitBatch): Uint8Array[];
  /** The orbit rebuilt from its bytes (null when nothing usable), and faults counted by kind. */
  deframe(chunks: Uint8Array[]): { batch: OrbitBatch | null; faults: Record<string, number> };
}

export function frameWork(work: OrbitWork, codec: LinkCodec): OrbitWork {
  if (!work.dropped) work.wire = codec.frame(work.input);
  return work;
}

export function deframeWork(work: OrbitWork, codec: LinkCodec): OrbitWork {
  if (work.dropped || !work.wire) return work;
  const { batch, faults } = codec.deframe(work.wire);
  work.decoded = batch ?? undefined;
  work.linkFaults = faults;
  work.wire = undefined; // the bytes are not needed past this point
  return work;
}

/** Frame each orbit into link bytes. */
export function frame(codec: LinkCodec): OperatorFunction<OrbitWork, OrbitWork> {
  return map((work) => frameWork(work, codec));
}

/** Rebuild each orbit from its link bytes. */
export function deframe(codec: LinkCodec): OperatorFunction<OrbitWork, OrbitWork> {
  return map((work) => deframeWork(work, codec));
}
