/**
 * Scoring backends by name — one registry, so `run` and `compare` (and scripts) say "software"
 * (TS fixed-point reference), "native" (C++ fixed-point), "float", "emulator" or "board:boards/x.json" and get a Scorer with a close().
 * Unknown names fail with the list of valid ones (backends are a registry).
 */
import type { Scorer } from "./scorer.js";

export type BackendSpec =
  | { kind: "software" }
  | { kind: "float" }
  | { kind: "native" }
  | { kind: "emulator" }
  | { kind: "board"; profile: string };

export const BACKEND_HELP = "software (alias ts) | native | float | emulator | board:PROFILE.json";

export class BackendSpecError extends Error {
  override name = "BackendSpecError";
}

export function parseBackendSpec(text: string, what = "backend"): BackendSpec {
  // "ts" is what `run --software` and the deframer/framer `--core` call the TypeScript reference.
  const t = text.trim() === "ts" ? "software" : text.trim();
  if (t === "software" || t === "native" || t === "float" || t === "emulator") return { kind: t };
  if (t.startsWith("board:") && t.length > "board:".length) return { kind: "board", profile: t.slice("board:".length) };
  throw new BackendSpecError(`${what}: unknown backend "${text}" (expected ${BACKEND_HELP})`);
}

/** Default scorer name of a backend (what appears in summaries). */
export function backendName(spec: BackendSpec): string {
  return spec.kind === "emulator" || spec.kind === "board" ? "board" : spec.kind;
}

/** A scorer plus what it needs to shut down (sockets, in-process emulator). */
export interface OpenBackend {
  scorer: Scorer;
  describe: string;
  close(): Promise<void>;
}
