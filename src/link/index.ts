// Scouting link: Run-3 DMA framing, deframing (TS reference + native), merging, pacing, files.
export * from "./format.js";
export * from "./crc32c.js";
export * from "./framer.js";
export * from "./deframer.js";
export * from "./merge.js";
export { LAYOUT as LINK_SCRATCH_LAYOUT } from "./scratch.js";
export * from "./pacing.js";
export * from "./rawFile.js";
export * from "./emp.js";
export * from "./boundedMergeMap.js";
export * from "./words.js";
