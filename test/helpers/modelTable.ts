import { expect } from "vitest";
import { loadModel } from "../../src/scoring/load.js";

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Load every [mutated model json, expected error line] row and assert each is refused with exactly
 * that line; the wrong rows are collected so one run shows them all (and how many were accepted).
 */
export function expectModelRows(cases: Array<[unknown, string]>): void {
  const wrong: string[] = [];
  for (const [json, msg] of cases) {
    let got = "accepted";
    try {
      loadModel(json);
    } catch (err) {
      got = (err as Error).message;
    }
    if (!new RegExp(`^invalid model model: ${esc(msg)}$`).test(got)) wrong.push(`expected: ${msg}\n     got: ${got}`);
  }
  const accepted = wrong.filter((w) => w.endsWith("got: accepted")).length;
  expect(wrong, `${wrong.length} of ${cases.length} rows wrong (${accepted} of them accepted the bad model)`).toEqual([]);
}
