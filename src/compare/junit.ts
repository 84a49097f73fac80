/**
 * JUnit XML for CI: one <testsuite> per run, one <testcase> per summary check, a <failure> with the
 * detail when a check fails, and the first mismatches in <system-out>. The element and attribute
 * set is the common subset every CI reader accepts (Ant's JUnit schema: testsuites/testsuite/
 * testcase/failure/system-out; cocotb writes the same shape to results.xml).
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

export function junitXml(summary: RunSummary, suiteName = "scoutloop run"): string {
  const checks = checkSummary(summary);
  const failures = checks.filter((c) => !c.ok).length;
  const time = summary.throughput.seconds.toFixed(3);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="scoutloop" tests="${checks.length}" failures="${failures}" time="${time}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${checks.length}" failures="${failures}" errors="0" skipped="0" time="${time}">`,
  ];
  for (const c of checks) {
    const open = `    <testcase classname="${escapeXml(suiteName)}" name="${escapeXml(c.name)}" time="0">`;
    if (c.ok) {
      lines.push(`${open}</testcase>`);
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
