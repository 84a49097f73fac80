/** An object diff as text for people and as JUnit XML for CI (one testcase per compared field). */
import { escapeXml } from "../junit.js";
import type { DifferenceRecord, ObjectDiffResult, ObjectRecord } from "./differ.js";

/** What the text and JUnit views need: the diff plus, optionally, where the inputs came from. */
export type RenderableDiff = ObjectDiffResult & { inputs?: { A: { path: string; describe: string }; B: { path: string; describe: string } }; problems?: string[]; pairBy?: "bx" | "events" };

const pct = (n: number, d: number) => (d === 0 ? "—" : `${((100 * n) / d).toPrecision(3)} %`);
const signed = (v: number) => (v > 0 ? `+${v}` : String(v));

function objectLine(r: ObjectRecord): string {
  const phys = r.physical ? ` (pT ${r.physical.pt} GeV, η ${r.physical.eta}, φ ${r.physical.phi})` : "";
  return `#${r.index} ${Object.entries(r.fields).map(([k, v]) => `${k}=${v}`).join(" ")}${phys} words ${Object.entries(r.words).map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

export function formatDifferenceRecord(d: DifferenceRecord): string {
  const at = `orbit ${d.orbit} bx ${d.bx}`;
  switch (d.type) {
    case "onlyA":
    case "onlyB": {
      const objs = Object.entries(d.objects ?? {}).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(", ");
      return `${at}: stored only in ${d.type === "onlyA" ? "A" : "B"}${objs ? ` (${objs})` : " (sums only)"}`;
    }
    case "count": {
      const lines = [`${at} ${d.kind}: ${d.counts!.a} objects in A, ${d.counts!.b} in B`];
      for (const r of d.unpairedA ?? []) lines.push(`    only A ${objectLine(r)}`);
      for (const r of d.unpairedB ?? []) lines.push(`    only B ${objectLine(r)}`);
      return lines.join("\n");
    }
    case "fields": {
      const f = d.fields!.map((x) => `${x.field} ${x.a} → ${x.b} (Δ ${signed(x.delta)}${x.physicalDelta !== null ? `, |Δ| ${+x.physicalDelta.toPrecision(4)} phys` : ""})`).join("; ");
      const where = d.kind === "sums" ? "sums" : `${d.kind} #${d.a!.index}${d.b!.index !== d.a!.index ? `↔#${d.b!.index}` : ""}`;
      return [
        `${at} ${where}: ${f}`,
        `    A ${objectLine(d.a!)}`,
        `    B ${objectLine(d.b!)}`,
        `    XOR ${Object.entries(d.xor ?? {}).map(([k, v]) => `${k}=${v}`).join(" ")}`,
      ].join("\n");
    }
  }
}

/** The histogram of a field's differences, compactly: "Δ-1: 3, Δ+2: 1". */
export function histogramText(bins: Array<[number, number]>, maxBins = 12): string {
  const shown = bins.length > maxBins ? [...bins].sort((x, y) => y[1] - x[1]).slice(0, maxBins).sort((x, y) => x[0] - y[0]) : bins;
  return shown.map(([d, n]) => `Δ${signed(d)}: ${n}`).join(", ") + (bins.length > maxBins ? ` (+${bins.length - maxBins} more bins)` : "");
}

export function formatObjectDiff(r: RenderableDiff, firstN = r.first.length): string {
  const out: string[] = [];
  if (r.inputs) out.push(`A: ${r.inputs.A.describe}`, `B: ${r.inputs.B.describe}`);
  if (r.pairBy === "events") out.push("events paired by their order in each file (renumbered onto BX 1..3564, orbit after orbit)");
  const bx = r.bx;
  out.push(`orbits: ${r.orbits.paired} paired, ${r.orbits.onlyA} only in A, ${r.orbits.onlyB} only in B`);
  out.push(`BX: ${bx.paired} paired, ${bx.onlyA} only in A, ${bx.onlyB} only in B` + (bx.emptyOnlyA + bx.emptyOnlyB ? ` (and ${bx.emptyOnlyA} in A, ${bx.emptyOnlyB} in B stored empty, same as absent)` : ""));
  out.push("", "kind      BX  count≠ (BX)  objects A / B   pairs  unpaired A / B  beyond cap A / B");
  for (const [kind, k] of Object.entries(r.kinds)) {
    out.push(`${kind.padEnd(7)} ${String(k.bx).padStart(5)}  ${String(k.countMismatchBx).padStart(11)}  ${`${k.objectsA} / ${k.objectsB}`.padStart(14)}  ${String(k.pairs).padStart(6)}  ${`${k.unpairedA} / ${k.unpairedB}`.padStart(14)}  ${`${k.beyondCapA} / ${k.beyondCapB}`.padStart(16)}`);
  }
  out.push("", "field                       differ / compared      within tol.  max |Δ|  rule");
  for (const [kind, k] of Object.entries(r.kinds)) {
    for (const [name, f] of Object.entries(k.fields)) {
      out.push(`${`${kind}.${name}`.padEnd(26)} ${`${f.mismatches} / ${f.compared}`.padStart(16)} ${pct(f.mismatches, f.compared).padStart(8)} ${String(f.withinTolerance).padStart(8)} ${String(f.maxAbsDelta).padStart(8)}  ${f.rule}`);
    }
  }
  const hist = Object.entries(r.kinds).flatMap(([kind, k]) => [
    ...(k.countHistogram.length ? [`  ${kind}.count: ${histogramText(k.countHistogram)}`] : []),
    ...Object.entries(k.fields).filter(([, f]) => f.histogram.length).map(([name, f]) => `  ${kind}.${name}: ${histogramText(f.histogram)}`),
  ]);
  if (hist.length) out.push("", "differences (B − A, hardware counts):", ...hist);
  if (r.notCompared.length) out.push("", `not compared: ${r.notCompared.map((n) => `${n.what} (${n.reason})`).join(", ")}`);
  if (r.first.length) {
    out.push("", `first ${Math.min(firstN, r.first.length)} of ${r.differences.total} differences:`);
    for (const d of r.first.slice(0, firstN)) out.push(`  ${formatDifferenceRecord(d)}`);
  }
  for (const p of r.problems ?? []) out.push(`problem: ${p}`);
  const d = r.differences;
  out.push("", r.identical
    ? "IDENTICAL: 0 differences" + (Object.keys(r.settings.tolerance).length ? " within the tolerance" : "")
    : `DIFFERENT: ${d.total} differences (${d.bx} BX stored by one side, ${d.counts} object-count, ${d.fields} object-field)${r.problems?.length ? `, ${r.problems.length} problems` : ""}`);
  return out.join("\n");
}

/** JUnit XML: BX pairing, per-kind counts and each compared field as testcases; the first differences in system-out. */
export function objectDiffJunit(r: RenderableDiff, suite = "scoutloop diff"): string {
  const cases: Array<{ name: string; failure: string | null }> = [];
  const bxBad = r.bx.onlyA + r.bx.onlyB;
  cases.push({ name: "bx pairing", failure: bxBad ? `${r.bx.onlyA} BX only in A, ${r.bx.onlyB} only in B (of ${r.bx.paired + bxBad})` : null });
  for (const [kind, k] of Object.entries(r.kinds)) {
    if (kind !== "sums") cases.push({ name: `${kind}.count`, failure: k.countMismatchBx ? `${k.countMismatchBx} of ${k.bx} BX differ in ${kind} count` : null });
    for (const [name, f] of Object.entries(k.fields)) cases.push({ name: `${kind}.${name}`, failure: f.mismatches ? `${f.mismatches} of ${f.compared} differ (${f.rule})` : null });
  }
  for (const p of r.problems ?? []) cases.push({ name: "inputs", failure: p });
  const failures = cases.filter((c) => c.failure).length;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="scoutloop" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${escapeXml(suite)}" name="${escapeXml(c.name)}" time="0">`;
    lines.push(c.failure ? `${open}\n      <failure message="${escapeXml(c.failure)}">${escapeXml(c.failure)}</failure>\n    </testcase>` : `${open}</testcase>`);
  }
  if (r.first.length) lines.push(`    <system-out>${escapeXml(r.first.map(formatDifferenceRecord).join("\n"))}</system-out>`);
  lines.push(`  </testsuite>`, `</testsuites>`, ``);
  return lines.join("\n");
}
