/** Moved to src/io/captures.ts (the one event-source layer); kept so existing imports work. */
export * from "../io/captures.js";
