// Anomaly scoring: ap_fixed arithmetic, models (isolation forest, extended IF, dense AE/VAE, GMM), native scorers; statistics re-exported from src/stats.
export * from "./fixed.js";
export * from "./model.js";
export * from "./normalise.js";
export * from "./iforest.js";
export * from "./iforest-io.js";
export * from "./eiforest.js";
export * from "./tukey.js";
export * from "./nn.js";
export * from "./load.js";
export * from "./native.js";
export * from "./data.js";
export * from "./gmm.js";
export * from "./nn-train.js";
export * from "./inputs.js";
export * from "./evaluate.js";
export * from "./validate.js";
