// L1 trigger emulation and the seeded event generator (DESIGN §3).
export * from "./rng.js";
export * from "./physics.js";
export * from "./config.js";
export * from "./kinematics.js";
export * from "./emulator.js";
export * from "./builder.js";
export * from "./filling.js";
export * from "./signals.js";
export * from "./generator.js";
export { DEFAULT_PILEUP, HARD_SCATTER_RATE } from "./background.js";
