/** `--report DIR`: writes summary.json and junit.xml side by side. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { junitXml } from "./junit.js";
import type { RunSummary } from "./summary.js";

export function writeReport(dir: string, summary: RunSummary, suiteName?: string): { summaryPath: string; junitPath: string } {
  mkdirSync(dir, { recursive: true });
  const summaryPath = join(dir, "summary.json");
  const junitPath = join(dir, "junit.xml");
  writeFileSync(summaryPath, JSON.stringify(summary, null, 2) + "\n");
  writeFileSync(junitPath, junitXml(summary, suiteName));
  return { summaryPath, junitPath };
}
