export * from "./results.js";
export * from "./comparator.js";
export * from "./latency.js";
export * from "./accounting.js";
export * from "./summary.js";
export * from "./junit.js";
export * from "./report.js";
export * from "./format.js";
