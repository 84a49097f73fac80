/** JUnit XML for golden regression: one testcase per set, the first differences as the failure text. */
import { formatDifference } from "./diff.js";
import type { SetResult } from "./regress.js";

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

export function regressJunit(results: SetResult[], firstN = 20): string {
  const failures = results.filter((r) => !r.ok).length;
  const time = results.reduce((s, r) => s + r.seconds, 0);
  const cases = results.map((r) => {
    const head = `  <testcase classname="scoutloop.regress" name="${esc(r.name)}" time="${r.seconds.toFixed(3)}">`;
    if (r.ok) return `${head}</testcase>`;
    const text = r.error ?? [...r.failures, `${r.differences.length} differences`, ...r.differences.slice(0, firstN).map(formatDifference)].join("\n");
    const msg = r.error ?? (r.failures.length ? r.failures.join("; ") : `${r.differences.length} differences from golden`);
    return `${head}\n    <failure message="${esc(msg)}">${esc(text)}</failure>\n  </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="scoutloop regress" tests="${results.length}" failures="${failures}" time="${time.toFixed(3)}">\n${cases.join("\n")}\n</testsuite>\n`;
}
