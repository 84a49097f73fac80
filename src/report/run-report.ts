/**
 * The run report: everything in a run directory (types.ts) as one self-contained HTML page —
 * manifest, accounting, fault and mismatch tables, and the plots (score distributions, ROC with the
 * 1e-5 working point, residuals, latency), plus monitoring / injection / k-fold sections when the
 * directory holds their results.
 */
import type { RunSummary } from "../compare/summary.js";
import { escapeHtml, keyValueTable, note, page, table, type Section } from "../render/html.js";
import { latencyPercentilePlot, latencyPlot, residualPlot, rocPlot, scoreDistributionPlot } from "../render/plots.js";
import { ADC_WORKING_FPR, BX_RATE_HZ, auc, rocCurve, tprAtFprOnCurve } from "../stats/roc.js";
import type { RunDirectory, RunRecord } from "./types.js";
import { renderStudy } from "../render/section.js";

const num = (v: number, digits = 4) => (Number.isFinite(v) ? +v.toPrecision(digits) : "—");

/** The board's HELLO: from record.json, else from the summary's backends (a run without samples). */
function boardHello(run: RunDirectory): Record<string, unknown> | null {
  if (run.record?.manifest.boardHello) return run.record.manifest.boardHello;
  for (const b of Object.values(run.summary?.backends ?? {})) {
    const hello = (b as { hello?: unknown } | null)?.hello;
    if (hello && typeof hello === "object") return hello as Record<string, unknown>;
  }
  return null;
}

/** The run manifest the issue asks for: tool version, seed, model hash, board HELLO, input hashes. */
function manifestSection(run: RunDirectory): Section {
  const m = run.record?.manifest;
  const s = run.summary;
  const hello = boardHello(run);
  const entries: Array<[string, unknown]> = [
    ["run directory", run.dir],
    ["tool", m ? `${m.tool} ${m.version}` : s?.tool ?? "—"],
    ["seed", m ? (m.seed ?? "— (events read from a file)") : "—"],
    ["model", m?.model ? `${m.model.kind}${m.model.describe ? ` — ${m.model.describe}` : ""}` : "—"],
    // Model ids are content hashes (scoring/model.ts modelId): equal ids, equal models.
    ["model hash", m?.model ? `${m.model.id} (SHA-256 of the canonical model JSON, first 16 hex digits)` : "—"],
    ["board", s?.boards ? `${s.boards.shares.length} boards: ${s.boards.shares.map((b) => b.name).join(", ")} (see Boards)` : hello ? `${hello.boardName ?? "?"} (firmware ${hello.firmwareId ?? "?"}, model ${hello.modelId ?? "?"})` : "— (no board in this run)"],
    ["mode", s?.mode ?? "—"],
    ["scorers", s?.scorers.join(", ") ?? run.record?.scorer ?? "—"],
    ["created", m?.createdAt ?? "—"],
  ];
  const helloTable = hello
    ? `<h3>Board HELLO</h3>` + keyValueTable(Object.entries(hello), 'data-table="board-hello"')
    : "";
  const inputs = m?.inputs.length ? table(["input", "sha256"], m.inputs.map((i) => [i.name, i.sha256]), 'data-table="inputs"') : note("No input hashes recorded.");
  return { id: "manifest", title: "Run manifest", html: keyValueTable(entries, 'data-table="manifest"') + helloTable + `<h3>Inputs</h3>` + inputs };
}

function summarySection(s: RunSummary): Section {
  const acc = s.accounting;
  const rows = Object.entries(acc.scorers).map(([name, t]) => [name, t.events, t.scored, t.failed]);
  const t = s.throughput;
  const problems = s.problems.length
    ? `<p class="bad">${s.problems.map(escapeHtml).join("<br>")}</p>`
    : `<p class="good">No problems: every event accounted for, no mismatches, no drops.</p>`;
  return {
    id: "summary",
    title: "Accounting",
    html:
      problems +
      keyValueTable([
        ["orbits in / completed / dropped", `${acc.orbits.in} / ${acc.orbits.completed} / ${acc.orbits.dropped}`],
        ["events in", acc.events.in],
        ["throughput", `${num(t.eventsPerSecond)} events/s, ${num(t.orbitsPerSecond)} orbits/s, ${num(t.realTimeFraction, 3)}× real time`],
      ]) +
      table(["scorer", "events", "scored", "failed"], rows, 'data-table="scorers"'),
  };
}

/** Several boards in one run: who each was and its share, failures, mismatches and latencies. */
function boardsSection(s: RunSummary): Section | null {
  const b = s.boards;
  if (!b) return null;
  const ms = (v: number | undefined) => (v === undefined ? "—" : num(v / 1e6, 3));
  const rows = b.shares.map((x) => [
    x.name, x.profile, x.address, String(x.hello.firmwareId ?? "?"), x.orbits, x.events, x.scored, x.failed, x.mismatches,
    x.handedOver.orbits, x.lost ? "LOST" : "up",
    ms(x.latency.hostRtt?.p50), ms(x.latency.hostRtt?.p99), x.latency.firmwareCycles?.p50 ?? "—", x.latency.firmwareCycles?.p99 ?? "—",
  ]);
  return {
    id: "boards",
    title: "Boards",
    html:
      table(["board", "profile", "address", "firmware", "orbits", "events", "scored", "failed", "mismatches", "handed over", "state", "RTT p50 ms", "RTT p99 ms", "fw p50 cycles", "fw p99 cycles"], rows, 'data-table="boards"') +
      note(`Whole orbits to the least loaded board, at most ${b.perBoard} in flight each; failover ${b.failover ? "on" : "off"}; ${b.notSent.orbits} orbits (${b.notSent.events} events) sent to no board.`),
  };
}

function faultSection(s: RunSummary | null): Section {
  if (!s) return { id: "faults", title: "Faults", html: note("No summary.json: no fault counts.") };
  const link = Object.entries(s.linkFaults ?? {}).map(([k, n]) => ["link", k, n]);
  const scorer = Object.entries(s.accounting.scorers).flatMap(([name, t]) => Object.entries(t.failedByReason).map(([r, n]) => [name, r, n]));
  const rows = [...link, ...scorer];
  return {
    id: "faults",
    title: "Faults",
    html: rows.length ? table(["where", "kind", "count"], rows, 'data-table="faults"') : `<p class="good" data-table="faults">No link faults and no scorer failures.</p>`,
  };
}

function mismatchSection(s: RunSummary | null): Section {
  const c = s?.comparison;
  if (!c) return { id: "mismatches", title: "Mismatches", html: note("No comparison in this run.") };
  const fields = table(["field", "compared", "mismatched"], Object.entries(c.fields).map(([k, f]) => [k, f.compared, f.mismatched]), 'data-table="fields"');
  const first = c.firstMismatches.length
    ? table(
        ["orbit", "bx", "fields", `${c.firstMismatches[0].a.scorer} raw`, `${c.firstMismatches[0].b.scorer} raw`, "xor", "a value", "b value"],
        c.firstMismatches.map((m) => [m.orbit, m.bx, m.fields.join(","), m.rawBits.a ?? "—", m.rawBits.b ?? "—", m.rawXor ?? "—", m.a.value, m.b.value]),
        'data-table="mismatches"',
      )
    : `<p class="good" data-table="mismatches">No mismatching events.</p>`;
  return {
    id: "mismatches",
    title: "Mismatches",
    html: `<p>${c.mismatches} of ${c.paired} paired events mismatched (${c.mode}${c.mode === "tolerance" ? `, abs ${c.abs}, rel ${c.rel}` : ""}); ${c.unpaired} unpaired, ${c.orphans} orphans.</p>${fields}${first}`,
  };
}

function scoreSections(r: RunRecord): Section[] {
  const out: Section[] = [];
  const bkg = r.scores.find((s) => s.name === "background");
  const signals = r.scores.filter((s) => s.name !== "background");
  out.push({ id: "scores", title: "Score distributions", html: `<figure>${scoreDistributionPlot(r.scores)}</figure>${note(`Scorer: ${r.scorer}. Normalised per sample, log y.`)}` });
  if (bkg && signals.length) {
    const b = Float64Array.from(bkg.values, (v) => v ?? NaN);
    const rows = signals.map((s) => {
      const roc = rocCurve(b, Float64Array.from(s.values, (v) => v ?? NaN));
      return [s.name, s.values.length, num(auc(roc)), num(tprAtFprOnCurve(roc, ADC_WORKING_FPR))];
    });
    const lowest = 1 / b.length;
    out.push({
      id: "roc",
      title: "ROC",
      html:
        `<figure>${rocPlot(bkg.values, signals)}</figure>` +
        table(["signal", "events", "AUC", "TPR at FPR 1e-5"], rows, 'data-table="roc"') +
        note(`${b.length} background events: the smallest measurable FPR is ${lowest.toExponential(1)} (${num((lowest * BX_RATE_HZ) / 1e3, 3)} kHz at 40 MHz); below it the TPR at 1e-5 is an upper-edge estimate.`),
    });
  }
  if (r.pairs) {
    const p = r.pairs;
    let same = 0;
    let n = 0;
    let maxAbs = 0;
    for (let i = 0; i < p.aValues.length; i++) {
      const a = p.aValues[i];
      const b = p.bValues[i];
      if (a === null || b === null) continue;
      n++;
      if (a === b) same++;
      maxAbs = Math.max(maxAbs, Math.abs(b - a));
    }
    out.push({
      id: "residuals",
      title: "Score residuals",
      html: `<figure>${residualPlot(p.a, p.b, p.aValues, p.bValues)}</figure>` + note(`${same} of ${n} events identical; max |residual| ${num(maxAbs)}.`),
    });
  }
  return out;
}

function latencySection(run: RunDirectory): Section | null {
  const rec = run.record?.latency;
  const lat = run.summary?.latency;
  if (rec && (rec.firmwareNs.length || rec.hostRttNs.length)) {
    const rows = ([["firmware", rec.firmwareNs], ["host round trip", rec.hostRttNs]] as const)
      .filter(([, v]) => v.length > 0)
      .map(([name, v]) => {
        const x = Float64Array.from(v, (y) => y ?? NaN).filter((y) => !Number.isNaN(y)).sort();
        const q = (p: number) => (x.length ? x[Math.min(x.length - 1, Math.floor((p / 100) * x.length))] : NaN);
        return [name, x.length, num(q(50)), num(q(90)), num(q(99)), num(q(99.9)), num(x[x.length - 1])];
      });
    return {
      id: "latency",
      title: "Latency",
      html: `<figure>${latencyPlot(rec.firmwareNs, rec.hostRttNs)}</figure>` + table(["series", "n", "p50 ns", "p90 ns", "p99 ns", "p99.9 ns", "max ns"], rows, 'data-table="latency"'),
    };
  }
  const series = [
    lat?.firmwareNs ? { name: "firmware", summary: lat.firmwareNs } : null,
    lat?.hostRtt ? { name: "host round trip", summary: lat.hostRtt } : null,
  ].filter((x): x is NonNullable<typeof x> => x !== null && x.summary.count > 0);
  if (!series.length) return null;
  const rows = series.map((s) => [s.name, s.summary.count, s.summary.p50, s.summary.p90, s.summary.p99, s.summary.p99_9, s.summary.max]);
  return {
    id: "latency",
    title: "Latency",
    html: `<figure>${latencyPercentilePlot(series)}</figure>` + table(["series", "n", "p50 ns", "p90 ns", "p99 ns", "p99.9 ns", "max ns"], rows, 'data-table="latency"'),
  };
}

/** The whole report page for a run directory. */
export function renderRunReport(run: RunDirectory): string {
  const sections: Section[] = [manifestSection(run)];
  if (run.summary) sections.push(summarySection(run.summary));
  const boards = run.summary ? boardsSection(run.summary) : null;
  if (boards) sections.push(boards);
  sections.push(faultSection(run.summary), mismatchSection(run.summary));
  if (run.record) sections.push(...scoreSections(run.record));
  const lat = latencySection(run);
  if (lat) sections.push(lat);
  for (const { study, value } of run.studies) sections.push(renderStudy(study, value));
  const missing = [
    run.summary ? null : "summary.json (run with `scoutloop run --report DIR`)",
    run.record ? null : "record.json (score samples: `scoutloop report DIR --gen`)",
  ].filter(Boolean);
  if (run.problems.length || missing.length) {
    sections.push({
      id: "problems",
      title: "Missing or unreadable",
      html: (run.problems.length ? `<p class="bad">${run.problems.map(escapeHtml).join("<br>")}</p>` : "") + (missing.length ? note(`Not in this run: ${missing.join("; ")}.`) : ""),
    });
  }
  const title = `scoutloop run report — ${run.dir}`;
  return page(title, `Generated ${new Date().toISOString()}`, sections);
}
