/**
 * `run --dashboard`: the SSE stream of a real run (parsed as a browser would), its totals monotone,
 * its last event the very summary `--json` prints; loopback only; a port in use is one line and
 * exit 1; clients that vanish mid-run do not disturb it; in headless Chromium the page's numbers
 * move during the run and end equal to the summary.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { get, request } from "node:http";
import { connect, createServer, type Server } from "node:net";
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import * as hdr from "hdr-histogram-js";
import { LatencyHistogram, LatencyWindow } from "../src/compare/latency.js";
import { LiveSampler, type LiveSample } from "../src/live/sampler.js";
import { RunTally } from "../src/bus/tally.js";
import { Dashboard } from "../src/live/server.js";
import { exposureWarning } from "../src/cli/dashboard.js";
import type { RunSummary } from "../src/compare/summary.js";
import { CLI, cli } from "./helpers/cli.js";
import { openCdpPage } from "./helpers/chromium.js";
import { peerDescribe } from "./helpers/peers.js";

/** A short link-rate run: the clock sets its length (~3 s of orbits), so the numbers have time to move. */
const RUN = ["run", "--software", "native", "--rate", "lhc", "--stream", "muon", "--json", "--dashboard", "0"];

interface Running {
  child: ChildProcess;
  /** From the first line of stderr (stdout is the JSON's). */
  url: Promise<string>;
  firstLine: Promise<string>;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function startRun(args: string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  let gotLine: (l: string) => void;
  const firstLine = new Promise<string>((r) => (gotLine = r));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    if (err.includes("\n")) gotLine(err.split("\n")[0]);
  });
  const exit = new Promise<number | null>((r) => child.on("close", (code) => (gotLine(err.split("\n")[0]), r(code))));
  const url = firstLine.then((l) => {
    const m = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(l);
    if (!m) throw new Error(`first line is not the URL: ${JSON.stringify(l)}; stderr: ${err.slice(-500)}`);
    return m[1];
  });
  return { child, url, firstLine, stdout: () => out, stderr: () => err, exit };
}

interface SseEvent {
  event: string;
  data: unknown;
}

/** Read an SSE stream until `until` says stop (or the server ends it); parsed by the spec's framing. */
function readSse(url: string, until: (e: SseEvent) => boolean, timeoutMs = 25_000): Promise<SseEvent[]> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const req = get(`${url}events`, (res) => {
      expect(res.headers["content-type"]).toBe("text/event-stream");
      let buf = "";
      res.setEncoding("utf8").on("data", (d: string) => {
        buf += d;
        for (let end = buf.indexOf("\n\n"); end >= 0; end = buf.indexOf("\n\n")) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let name = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) name = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length === 0) continue; // retry: and comments
          const e = { event: name, data: JSON.parse(data.join("\n")) };
          events.push(e);
          if (until(e)) return (clearTimeout(timer), req.destroy(), resolve(events));
        }
      });
      res.on("end", () => (clearTimeout(timer), resolve(events)));
    });
    const timer = setTimeout(() => (req.destroy(), reject(new Error(`SSE: no end after ${timeoutMs} ms (${events.length} events)`))), timeoutMs);
    req.on("error", (err) => (clearTimeout(timer), reject(err)));
  });
}

function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Open a TCP connection (optionally send half a request) and cut it: the rudest client. */
function rudeClient(port: number, text: string): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => {
      s.write(text);
      setTimeout(() => (s.destroy(), resolve()), 30);
    });
    s.on("error", () => resolve());
  });
}

/** Running totals a live view must never see go backwards. */
function totals(s: LiveSample): number[] {
  return [s.t, s.orbits, s.events, s.eventsProcessed, s.droppedOrbits, s.mismatches ?? 0, s.paired ?? 0, ...s.scorers.flatMap((x) => [x.events, x.scored, x.failed])];
}

function nonLoopbackIPv4(): string | null {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return null;
}

describe("live dashboard, node side", () => {
  it("streams monotone samples over SSE and ends with the run's summary JSON; loopback only; vanishing clients are harmless", { timeout: 45_000 }, async () => {
    const run = startRun([...RUN, "--orbit-hz", "25", "--orbits", "75", "--dashboard-linger", "30"]);
    const url = await run.url;
    const port = Number(new URL(url).port);
    // Clients that connect and vanish while the run goes on (half a request, a full one cut mid-stream).
    const rude = Promise.all([rudeClient(port, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), rudeClient(port, "GET /ev"), rudeClient(port, "GARBAGE\r\n\r\n")]);
    const events = await readSse(url, (e) => e.event === "summary");
    await rude;
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("hello");
    expect(names.at(-1)).toBe("summary");
    const hello = events[0].data as { describe: string; mode: string; orbitHz: number; totalOrbits: number; lhc: { orbitHz: number; bxHz: number } };
    expect(hello.mode).toBe("link-rate");
    expect(hello.orbitHz).toBe(25);
    expect(hello.totalOrbits).toBe(75);
    expect(hello.lhc.bxHz).toBeCloseTo(40.0789e6, -2);
    const samples = events.flatMap((e) => (e.event === "history" ? (e.data as LiveSample[]) : e.event === "sample" ? [e.data as LiveSample] : []));
    // ~3 s at 4 Hz, and rate-limited: never far above 4 a second.
    expect(samples.length).toBeGreaterThanOrEqual(5);
    const span = samples.at(-1)!.t - samples[0].t;
    expect(samples.length).toBeLessThanOrEqual(4 * span + 3);
    for (let i = 1; i < samples.length; i++) {
      const [a, b] = [totals(samples[i - 1]), totals(samples[i])];
      b.forEach((v, k) => expect(v, `total #${k} of sample ${i}`).toBeGreaterThanOrEqual(a[k]));
    }
    expect(new Set(samples.map((s) => s.orbitsPerSecond)).size).toBeGreaterThan(1);

    // After the summary event the run prints its JSON, lingers, and exits 0 on Ctrl-C.
    const summary = (events.at(-1)!.data as RunSummary);
    await waitFor(() => run.stderr().includes("the run is over"), 10_000);
    expect(JSON.parse(run.stdout())).toEqual(summary);
    expect(summary.problems).toEqual([]);
    const last = samples.at(-1)!;
    expect(last.orbits).toBe(summary.accounting.orbits.in);
    expect(last.events).toBe(summary.accounting.events.in);
    expect(last.droppedOrbits).toBe(summary.accounting.orbits.dropped);
    expect(last.mismatches).toBe(summary.comparison!.mismatches);
    expect(last.scorers.map((s) => s.scored)).toEqual(Object.values(summary.accounting.scorers).map((s) => s.scored));
    // Per-board counters come as generic unit rows, the same as the summary's client counters.
    const board = last.units.find((u) => u.kind === "board");
    expect(board?.name).toBe("board");
    expect(board?.requests).toBeGreaterThan(0);
    const client = (summary.backends!.board as { client: { requests: number; replies: number; timeouts: number } }).client;
    expect([board?.requests, board?.replies, board?.timeouts]).toEqual([client.requests, client.replies, client.timeouts]);
    expect([board?.orbits, board?.events]).toEqual([summary.accounting.orbits.in - summary.accounting.orbits.dropped, summary.accounting.scorers.board.scored]);
    // Latency per interval: the board's round trip and firmware time, orbit latency from the schedule.
    expect(samples.some((s) => s.latency.hostRtt && s.latency.hostRtt.p99 >= s.latency.hostRtt.p50 && s.latency.hostRtt.p50 > 0)).toBe(true);
    expect(samples.some((s) => Math.abs((s.latency.firmwareNs?.p50 ?? 0) - summary.latency.firmwareNs!.p50) < 1e-6)).toBe(true);
    expect(samples.some((s) => (s.latency.orbit?.count ?? 0) > 0)).toBe(true);

    // A late client gets the whole story; the page and summary.json are served; foreign Host names are refused.
    const late = await readSse(url, (e) => e.event === "summary");
    expect(late.map((e) => e.event)).toEqual(["hello", "history", "summary"]);
    expect(late[2].data).toEqual(summary);
    const json = await httpGet(`${url}summary.json`);
    expect(JSON.parse(json.body)).toEqual(summary);
    const page = await httpGet(url);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toMatch(/new EventSource\("\/events"\)/);
    // Self-contained: no script, style, image or link from anywhere else.
    expect(page.body).not.toMatch(/\b(src|href)\s*=|@import|url\(|https?:\/\//);
    expect((await httpGet(url, { host: "attacker.example:80" })).status).toBe(403);
    expect((await httpGet(`${url}nothing`)).status).toBe(404);

    // Bound to loopback only: another address of this host does not answer.
    const other = nonLoopbackIPv4();
    if (other) await expect(httpGet(`http://${other}:${port}/`)).rejects.toThrow(/ECONNREFUSED/);

    run.child.kill("SIGINT");
    expect(await run.exit).toBe(0);
  });

  it("whole-orbit worker threads show as one row each, the same as the summary's shares", { timeout: 45_000 }, async () => {
    const run = startRun(["run", "--software", "native", "--orbit-workers", "2", "--orbits", "24", "--json", "--dashboard", "0", "--dashboard-linger", "30"]);
    const events = await readSse(await run.url, (e) => e.event === "summary");
    const summary = events.at(-1)!.data as RunSummary;
    const samples = events.flatMap((e) => (e.event === "history" ? (e.data as LiveSample[]) : e.event === "sample" ? [e.data as LiveSample] : []));
    const rows = samples.at(-1)!.units.filter((u) => u.kind === "thread");
    const shares = (summary.backends!.native as { workers: Array<{ name: string; orbits: number; events: number }> }).workers;
    expect(rows.map((r) => [r.name, r.orbits, r.events])).toEqual(shares.map((w) => [w.name, w.orbits, w.events]));
    expect(rows.reduce((n, r) => n + (r.orbits ?? 0), 0)).toBe(24);
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(0);
  });

  it("worker processes (run --remote-workers) show as rows of kind process, the same as the summary's shares", { timeout: 60_000 }, async () => {
    const run = startRun(["run", "--software", "native", "--remote-workers", "2", "--workers-at", "tcp://127.0.0.1:*", "--orbits", "12", "--json", "--dashboard", "0", "--dashboard-linger", "30"]);
    const url = await run.url;
    const sse = readSse(url, (e) => e.event === "summary", 50_000);
    await waitFor(() => /for 2 workers at tcp:\/\/127\.0\.0\.1:\d+/.test(run.stderr()), 30_000);
    const endpoint = /for 2 workers at (tcp:\/\/127\.0\.0\.1:\d+)/.exec(run.stderr())![1];
    const workers = [0, 1].map(() => spawn(process.execPath, [CLI, "worker", "--connect", endpoint], { stdio: "ignore" }));
    children.push(...workers);
    const events = await sse;
    const summary = events.at(-1)!.data as RunSummary;
    const last = events.flatMap((e) => (e.event === "history" ? (e.data as LiveSample[]) : e.event === "sample" ? [e.data as LiveSample] : [])).at(-1)!;
    const rows = last.units.filter((u) => u.kind === "process");
    const shares = (summary.backends!.native as { workers: Array<{ name: string; pid: number; orbits: number; events: number }> }).workers;
    expect(rows.map((r) => [r.name, r.pid, r.orbits, r.events])).toEqual(shares.map((w) => [w.name, w.pid, w.orbits, w.events]));
    expect(rows.map((r) => r.pid).sort()).toEqual(workers.map((w) => w.pid).sort());
    expect(rows.reduce((n, r) => n + (r.orbits ?? 0), 0)).toBe(12);
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(0);
  });

  it("several boards (--board emulator --board emulator) show as one row each, the same as the summary's board shares", { timeout: 45_000 }, async () => {
    const run = startRun(["run", "--board", "emulator", "--board", "emulator", "--orbits", "12", "--stream", "muon", "--json", "--dashboard", "0", "--dashboard-linger", "30"]);
    const events = await readSse(await run.url, (e) => e.event === "summary");
    const summary = events.at(-1)!.data as RunSummary & { boards: { shares: Array<{ name: string; orbits: number; events: number; mismatches: number }> } };
    const last = events.flatMap((e) => (e.event === "history" ? (e.data as LiveSample[]) : e.event === "sample" ? [e.data as LiveSample] : [])).at(-1)!;
    const rows = last.units.filter((u) => u.kind === "board");
    expect(rows.map((r) => [r.name, r.orbits, r.events, r.mismatches])).toEqual(summary.boards.shares.map((b) => [b.name, b.orbits, b.events, b.mismatches]));
    expect(rows).toHaveLength(2);
    expect(rows.reduce((n, r) => n + (r.orbits ?? 0), 0)).toBe(12);
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(0);
  });

  it("a port in use is one clear line and exit 1, before any work", async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await cli(["run", "--orbits", "1", "--dashboard", String(port)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trimEnd().split("\n")).toEqual([`scoutloop: --dashboard: cannot listen on 127.0.0.1:${port}: the port is in use (pick another with --dashboard PORT, or --dashboard 0 for a free one)`]);
    } finally {
      busy.close();
    }
  });

  it("usage errors exit 2; a non-loopback bind is said loudly", async () => {
    const linger = await cli(["run", "--orbits", "1", "--dashboard-linger", "5"]);
    expect(linger.code).toBe(2);
    expect(linger.stderr).toMatch(/--dashboard-host and --dashboard-linger need --dashboard/);
    const port = await cli(["run", "--orbits", "1", "--dashboard", "70000"]);
    expect(port.code).toBe(2);
    // A run that cannot start still ends with its own exit code; the dashboard does not keep it alive.
    const missing = await cli(["run", "--in", "/nonexistent/events.h5", "--dashboard", "0"], { timeoutMs: 30_000 });
    expect(missing.code).toBe(3);
    expect(missing.stdout).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/\n$/);
    expect(exposureWarning("127.0.0.1", 8040)).toBeNull();
    expect(exposureWarning("::1", 8040)).toBeNull();
    expect(exposureWarning("0.0.0.0", 8040)).toMatch(/^scoutloop: WARNING: .*0\.0\.0\.0:8040, not on loopback .*no authentication/);
    expect(exposureWarning("192.168.1.5", 8040)).toMatch(/WARNING/);
  });

  it("the library server binds 127.0.0.1 by default and closes with clients attached", async () => {
    const d = await Dashboard.start({ port: 0 });
    expect(d.host).toBe("127.0.0.1");
    const url = d.url;
    const open = readSse(url, () => false, 5_000);
    await new Promise((r) => setTimeout(r, 100));
    await d.close();
    expect(await open).toEqual([]);
  });
});

describe("live samples", () => {
  it("LatencyWindow gives the percentiles of each interval alone", () => {
    const h = new LatencyHistogram("ns");
    const w = new LatencyWindow(h);
    expect(w.take()).toBeNull();
    for (let v = 1; v <= 1000; v++) h.record(v * 1000);
    const first = w.take()!;
    for (let v = 1; v <= 100; v++) h.record(1e7 + v);
    const second = w.take()!;
    expect(w.take()).toBeNull();
    // Against an independent histogram of the interval's values only.
    const ref = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e9, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    for (let v = 1; v <= 100; v++) ref.recordValue(1e7 + v);
    expect(first.count).toBe(1000);
    expect(first.p50).toBeCloseTo(500_000, -3);
    expect(second.count).toBe(100);
    expect(second.p50).toBe(Math.min(ref.getValueAtPercentile(50), second.max));
    expect(second.p99).toBe(Math.min(ref.getValueAtPercentile(99), second.max));
    expect(second.min).toBeGreaterThan(0.99e7); // bucket resolution: 3 significant digits
    expect(second.mean).toBe(1e7 + 50.5); // from the running sum: exact
    expect(second.max).toBe(Math.min(ref.maxValue, h.max));
    expect(h.count).toBe(1100); // the cumulative histogram is untouched
    // A value beyond the histogram's range grows it (autoResize): the window follows.
    h.record(2e11);
    h.record(2e6);
    const grown = w.take()!;
    expect(grown.count).toBe(2);
    expect(grown.p50).toBeCloseTo(2e6, -4);
    expect(grown.max / 2e11).toBeCloseTo(1, 2);
    expect(w.take()).toBeNull();
  });

  it("the ring keeps the newest points up to its capacity", () => {
    const tally = new RunTally(["a"], null);
    const s = new LiveSampler({ capacity: 5 });
    expect(s.sample()).toBeNull();
    s.attach(tally);
    const taken: LiveSample[] = [];
    for (let i = 0; i < 12; i++) {
      tally.orbits = i;
      taken.push(s.sample()!);
    }
    const h = s.history();
    expect(h).toHaveLength(5);
    expect(h.map((x) => x.orbits)).toEqual([7, 8, 9, 10, 11]);
    expect(h).toEqual(taken.slice(-5));
    s.destroy();
  });
});

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Tile {
  value: string;
  text: string;
}

// Without chromium the block is skipped with its install command (a failure under SCOUTLOOP_REQUIRE_PEERS=1).
peerDescribe("chromium", "live dashboard in headless Chromium", () => {
  it("loads, its numbers move during the run, and its final numbers are the summary's", { timeout: 60_000 }, async () => {
    const page = await openCdpPage();
    try {
      const run = startRun([...RUN, "--orbit-hz", "20", "--orbits", "80", "--dashboard-linger", "30"]);
      const url = await run.url;
      await page.navigate(url);
      const read = () =>
        page.evaluate<{ state: string; samples: number; tiles: Record<string, Tile>; json: string; verdict: string; points: string | null }>(`(() => {
          if (!document.getElementById("summary-json")) return { state: "loading", tiles: {} };
          const tiles = {};
          for (const el of document.querySelectorAll("[data-k]")) tiles[el.dataset.k] = { value: el.dataset.value, text: el.querySelector(".v").textContent };
          return { state: document.body.dataset.state, samples: Number(document.body.dataset.samples), tiles,
                   json: document.getElementById("summary-json").textContent, verdict: document.getElementById("verdict").textContent,
                   points: document.getElementById("chart-throughput").getAttribute("data-points") };
        })()`);
      const seenRates = new Set<string>();
      const seenOrbits = new Set<string>();
      let view = await read();
      const end = Date.now() + 40_000;
      while (view.state !== "finished" && Date.now() < end) {
        if (view.state === "running" && view.tiles.orbitsPerSecond?.value) {
          seenRates.add(view.tiles.orbitsPerSecond.value);
          seenOrbits.add(view.tiles.orbits.value);
        }
        await new Promise((r) => setTimeout(r, 100));
        view = await read();
      }
      expect(view.state).toBe("finished");
      // The numbers moved while the run went on.
      expect(seenRates.size, [...seenRates].join(" ")).toBeGreaterThanOrEqual(2);
      expect(seenOrbits.size).toBeGreaterThanOrEqual(2);
      expect(Number(view.points)).toBeGreaterThanOrEqual(2);

      await waitFor(() => run.stderr().includes("the run is over"), 10_000);
      const summary = JSON.parse(run.stdout()) as RunSummary;
      expect(JSON.parse(view.json)).toEqual(summary);
      const t = view.tiles;
      const failed = Object.values(summary.accounting.scorers).reduce((n, s) => n + s.failed, 0);
      const expected: Record<string, number> = {
        orbits: summary.accounting.orbits.in,
        events: summary.accounting.events.in,
        orbitsPerSecond: summary.throughput.orbitsPerSecond,
        eventsPerSecond: summary.throughput.eventsPerSecond,
        realTimeFraction: summary.throughput.realTimeFraction,
        droppedOrbits: summary.accounting.orbits.dropped,
        mismatches: summary.comparison!.mismatches,
        failedEvents: failed,
        seconds: summary.throughput.seconds,
        orbitLatencyP99: summary.latency.orbit!.p99,
        hostRttP99: summary.latency.hostRtt!.p99,
        firmwareP99: summary.latency.firmwareNs!.p99,
      };
      for (const [k, v] of Object.entries(expected)) {
        expect(Number(t[k].value), k).toBe(v);
        // What a person reads is the same number, rounded for display.
        const shown = Number(t[k].text.replace(/[^\d.e+-].*$/, "").trim());
        const scale = { "µs": 1e3, ms: 1e6, " s": 1e9, " k": 1e3, " M": 1e6, " G": 1e9 }[/(µs|ms| s| k| M| G)$/.exec(t[k].text)?.[1] ?? ""] ?? 1;
        expect(Math.abs(shown * scale - v), `${k}: "${t[k].text}" vs ${v}`).toBeLessThanOrEqual(Math.abs(v) * 5e-3 + 1e-9);
      }
      expect(t.mismatches.text).toBe(`0 / ${summary.comparison!.paired}`);
      expect(view.verdict).toBe("OK");
      run.child.kill("SIGINT");
      expect(await run.exit).toBe(0);
    } finally {
      await page.close();
    }
  });
});
