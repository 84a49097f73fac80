// Library entry point: anything the CLI does, a script can do with these.
export * from "./events/index.js";
export * from "./stats/index.js";
export * from "./trigger/index.js";
export * from "./compare/index.js";
export * from "./scoring/index.js";
export * from "./io/index.js";
export * from "./hil/index.js";
export * from "./link/index.js";
export * from "./bus/index.js";
export { Dashboard, DashboardListenError, type DashboardOptions, type DashboardRunInfo } from "./live/server.js";
export * from "./live/sampler.js";
