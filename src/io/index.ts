// File formats: ADC2021-layout HDF5, JSONL events, and per-file summaries for `inspect`.
export * from "./errors.js";
export * from "./adc2021-layout.js";
export * from "./adc2021-reader.js";
export * from "./adc2021-orbits.js";
export * from "./adc2021-writer.js";
export * from "./jsonl.js";
export * from "./stats.js";
export * from "./inspect.js";
export * from "./head.js";
export * from "./scoutloop-h5.js";
export * from "./captures.js";
export * from "./darkmachines.js";
export * from "./open-events.js";
export * from "./write-events.js";
