/** The human-readable final summary of a run (the CLI prints it; `--json` prints the object). */
import { formatLatency } from "./latency.js";
import type { BoardShares, RunSummary } from "./summary.js";
import { TOLERATED_FAULTS } from "../link/format.js";

/** One block per board of several: identity, share, failures, mismatches, latencies. */
function formatBoards(b: BoardShares): string[] {
  const lines = [`boards: ${b.shares.length}, whole orbits to the least loaded (≤ ${b.perBoard} in flight each, failover ${b.failover ? "on" : "off"})${b.notSent.orbits ? `; ${b.notSent.orbits} orbits (${b.notSent.events} events) sent to none` : ""}`];
  for (const x of b.shares) {
    const reasons = Object.entries(x.failedByReason).map(([r, n]) => `${r} ${n}`).join(", ");
    const handed = x.handedOver.orbits ? `, handed over ${x.handedOver.orbits} orbits (${x.handedOver.events} events)` : "";
    lines.push(`  ${x.name} (${x.profile}, ${x.address}, firmware ${String(x.hello.firmwareId || "?")})${x.lost ? " LOST" : ""}`);
    lines.push(`    ${x.orbits} orbits, ${x.events} events: scored ${x.scored}, failed ${x.failed}${reasons ? ` (${reasons})` : ""}, ${x.mismatches} mismatches in ${x.paired} paired${handed}`);
    if (x.latency.hostRtt) lines.push(`    host round trip ${formatLatency(x.latency.hostRtt)}`);
    if (x.latency.firmwareCycles) lines.push(`    firmware ${formatLatency(x.latency.firmwareCycles)}`);
  }
  return lines;
}

export function formatSummary(s: RunSummary): string {
  const acc = s.accounting;
  const lines: string[] = [];
  lines.push(`mode ${s.mode}: ${acc.orbits.in} orbits, ${acc.events.in} events sent, ${acc.orbits.dropped} orbits dropped`);
  for (const [name, t] of Object.entries(acc.scorers)) {
    const reasons = Object.entries(t.failedByReason).map(([r, n]) => `${r} ${n}`).join(", ");
    lines.push(`  ${name.padEnd(10)} scored ${t.scored}, failed ${t.failed}${reasons ? ` (${reasons})` : ""}`);
  }
  lines.push(...workerShares(s));
  const c = s.comparison;
  if (c) {
    const fields = Object.entries(c.fields)
      .filter(([, f]) => f.compared > 0)
      .map(([k, f]) => `${k} ${f.mismatched}/${f.compared}`)
      .join(", ");
    lines.push(`compare (${c.mode}${c.mode === "tolerance" ? ` abs ${c.abs} rel ${c.rel}` : ""}): ${c.mismatches} mismatches in ${c.paired} paired events, ${c.unpaired} unpaired [${fields}]`);
    for (const m of c.firstMismatches.slice(0, 3)) {
      lines.push(`  orbit ${m.orbit} bx ${m.bx}: ${m.fields.join("+")} ${m.a.scorer}=${m.rawBits.a ?? m.a.value} ${m.b.scorer}=${m.rawBits.b ?? m.b.value}${m.rawXor ? ` xor ${m.rawXor}` : ""}`);
    }
  }
  const L = s.latency;
  if (L.hostRtt) lines.push(`latency host round trip: ${formatLatency(L.hostRtt)}`);
  if (L.firmwareCycles) lines.push(`latency firmware:        ${formatLatency(L.firmwareCycles)}`);
  if (L.firmwareNs) lines.push(`                         ${formatLatency(L.firmwareNs)}`);
  if (L.orbit) lines.push(`latency orbit (${s.mode === "link-rate" ? "from scheduled send" : "from send"}): ${formatLatency(L.orbit)}`);
  if (s.boards) lines.push(...formatBoards(s.boards));
  const T = s.throughput;
  lines.push(
    `throughput: ${(T.eventsPerSecond / 1e3).toFixed(1)} k events/s, ${T.orbitsPerSecond.toFixed(1)} orbits/s = ${(T.realTimeFraction * 100).toFixed(2)} % of real time (${T.seconds.toFixed(2)} s)`,
  );
  const faults = Object.entries(s.linkFaults).filter(([, n]) => n > 0);
  const kept = (k: string) => ((TOLERATED_FAULTS as readonly string[]).includes(k) ? " (orbits decoded, as CMSSW)" : "");
  if (faults.length) lines.push(`link faults: ${faults.map(([k, n]) => `${k} ${n}${kept(k)}`).join(", ")}`);
  const declared = s.declared?.length ? ` (declared: ${s.declared.join("; ")})` : "";
  lines.push(s.problems.length === 0 ? `result: OK${declared}` : `result: FAILED (${s.problems.join("; ")})`);
  return lines.join("\n");
}

/** Per-worker shares of whole-orbit workers (threads or processes), as `backends.*.workers` holds them. */
interface WorkerShare {
  name: string;
  orbits: number;
  events: number;
  failedOrbits: number;
  busySeconds: number;
  resentOrbits?: number;
  lostOrbits?: number;
  left?: string | null;
}

function workerShares(s: RunSummary): string[] {
  const lines: string[] = [];
  for (const b of Object.values(s.backends ?? {})) {
    const workers = (b as { workers?: WorkerShare[] }).workers;
    for (const w of workers ?? []) {
      const extra = [
        w.failedOrbits ? `failed ${w.failedOrbits} orbits` : "",
        w.resentOrbits !== undefined ? `re-sent to it ${w.resentOrbits}` : "",
        w.lostOrbits ? `lost ${w.lostOrbits} in flight` : "",
        w.left ? `left: ${w.left}` : "",
      ].filter(Boolean);
      lines.push(`    worker ${w.name}: ${w.orbits} orbits, ${w.events} events, busy ${w.busySeconds.toFixed(2)} s${extra.length ? `, ${extra.join(", ")}` : ""}`);
    }
  }
  return lines;
}
