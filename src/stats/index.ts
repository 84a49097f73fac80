// Statistics: the one module every study, monitor, metric and report uses. It imports nothing
// else from scoutloop, so any layer may use it (DESIGN.md §2).
export * from "./histogram.js";
export * from "./roc.js";
export * from "./pvalues.js";
export * from "./twosample.js";
export * from "./linalg.js";
export * from "./toys.js";
export * from "./optimize.js";
export * from "./gp.js";
export * from "./random.js";
