/**
 * The verdict of a run: which of the summary's failed checks are problems and which the user
 * declared beforehand. Books that do not balance are always a problem. Failed events and dropped
 * orbits are a problem unless declared (`--expect-failures`). Mismatches are a problem unless they
 * are exactly the scores an in-process emulator corrupted on purpose (`--fault wrong-bits=…`):
 * every mismatch flagged FAULT_INJECTED, and every injected event that was scored found.
 */
import { checkSummary, type RunSummary } from "./summary.js";

export interface Declared {
  /** Failed events and dropped orbits are expected (the run still says how many). */
  expectFailures?: boolean;
  /** Scores the in-process emulator corrupted on purpose (null: no such injection in this run). */
  injectedWrongBits?: number | null;
}

export interface Verdict {
  problems: string[];
  /** Failed checks the user declared, as sentences (shown, never hidden). */
  declared: string[];
}

export function settleVerdict(s: RunSummary, declared: Declared = {}): Verdict {
  const problems: string[] = [];
  const accepted: string[] = [];
  for (const c of checkSummary(s)) {
    if (c.ok) continue;
    const line = `${c.name}: ${c.detail}`;
    if (c.name === "no-mismatches" && s.comparison) {
      const injected = declared.injectedWrongBits;
      const cmp = s.comparison;
      const unexplained = cmp.mismatches - (injected != null ? cmp.injectedMismatches : 0);
      // With failures some injected events were never paired; without, every one must be found.
      const anyFailed = cmp.unpaired > 0 || cmp.orphans > 0;
      const missed = injected != null && (anyFailed ? cmp.injectedMismatches > injected : cmp.injectedMismatches !== injected);
      if (injected == null || unexplained > 0 || missed) {
        const why = injected == null ? "" : unexplained > 0
          ? ` (${unexplained} not explained by the ${injected} injected faults)`
          : ` (${cmp.injectedMismatches} injected mismatches seen, ${injected} injected)`;
        problems.push(line + why);
      } else accepted.push(`${line} (all of them injected on purpose)`);
      continue;
    }
    if ((c.name.startsWith("no-failures:") || c.name.startsWith("board-up:") || c.name === "no-dropped-orbits") && declared.expectFailures) {
      accepted.push(`${line} (expected)`);
      continue;
    }
    problems.push(line);
  }
  if (s.accounting.events.in === 0) {
    const faults = Object.entries(s.linkFaults).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ");
    problems.push(`no events: the input gave no orbits with events${faults ? ` (link faults: ${faults})` : ""}`);
  }
  return { problems, declared: accepted };
}
