export * from "./batch.js";
export * from "./scales.js";
export * from "./features.js";
