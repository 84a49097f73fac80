/**
 * JUnit XML for CI: one <testsuite> per run, one <testcase> per summary check, a <failure> with the
 * detail when a check fails, and the first mismatches in <system-out>. The element and attribute
 * set is the common subset every CI reader accepts (Ant's JUnit schema: testsuites/testsuite/
 * testcase/failure/skipped/system-out; cocotb writes the same shape to results.xml). A failed
 * check the user declared beforehand (`--expect-failures`, faults injected whose outcome matched:
 * the summary's `declared` lines) is <skipped> with the declared sentence, not a <failure>; every
 * other failed check, and any check the summary never settled, is a <failure>.
 */
import { checkSummary, type RunSummary } from "./summary.js";

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    // XML 1.0 forbids most control characters even when escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "");
}

/** The declared sentence of a failed check (verdict lines start with "name: "), if it was declared and is no problem. */
function declaredLine(summary: RunSummary, name: string): string | undefined {
  const head = `${name}: `;
  if (summary.problems.some((p) => p.startsWith(head))) return undefined;
  return summary.declared?.find((d) => d.startsWith(head));
}

export function junitXml(summary: RunSummary, suiteName = "scoutloop run"): string {
  const checks = checkSummary(summary).map((c) => ({ ...c, declared: c.ok ? undefined : declaredLine(summary, c.name) }));
  const failures = checks.filter((c) => !c.ok && !c.declared).length;
  const skipped = checks.filter((c) => c.declared).length;
  const time = summary.throughput.seconds.toFixed(3);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="scoutloop" tests="${checks.length}" failures="${failures}" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${checks.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}">`,
  ];
  for (const c of checks) {
    const open = `    <testcase classname="${escapeXml(suiteName)}" name="${escapeXml(c.name)}" time="0">`;
    if (c.ok) {
      lines.push(`${open}</testcase>`);
    } else if (c.declared) {
      lines.push(open, `      <skipped message="${escapeXml(`declared: ${c.declared}`)}"/>`, `    </testcase>`);
    } else {
      lines.push(open, `      <failure message="${escapeXml(c.detail)}" type="${escapeXml(c.name)}">${escapeXml(c.detail)}</failure>`, `    </testcase>`);
    }
  }
  const mismatches = summary.comparison?.firstMismatches ?? [];
  if (mismatches.length > 0) {
    lines.push(`    <system-out>${escapeXml(mismatches.map((m) => JSON.stringify(m)).join("\n"))}</system-out>`);
  }
  lines.push(`  </testsuite>`, `</testsuites>`, ``);
  return lines.join("\n");
}
