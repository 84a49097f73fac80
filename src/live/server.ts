/**
 * The live dashboard of a run: node:http serving one self-contained page (render/dashboard.ts)
 * and a Server-Sent Events stream of samples (sampler.ts), at most `hz` a second; after the run
 * the final summary, kept until the dashboard is closed.
 *
 *   GET /              the page (inline CSS + JS, no other URL)
 *   GET /events        text/event-stream: `hello` (what runs), `history` (the ring so far),
 *                      `sample` (each time point), `summary` (the run's summary JSON, last), `failed`
 *   GET /summary.json  the final summary (204 while the run goes on)
 *
 * Loopback by default; requests whose Host is not the loopback name are refused there (a web page
 * elsewhere cannot read the run through DNS rebinding). A slow client skips samples instead of
 * buffering them (memory stays bounded); a client that goes away is forgotten, never an error.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunSummary } from "../compare/summary.js";
import type { RunTally } from "../bus/tally.js";
import type { UnitSource } from "../bus/units.js";
import { dashboardPage } from "../render/dashboard.js";
import { LHC, LiveSampler } from "./sampler.js";
import { LOOPBACK, isLoopbackAddress } from "./address.js";

export { LOOPBACK, isLoopbackAddress };

export interface DashboardOptions {
  /** TCP port; 0 = a free one. */
  port: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Samples per second sent to clients (default 4). */
  hz?: number;
  /** Time points kept (default sampler.ts LIVE_RING_CAPACITY). */
  capacity?: number;
}

/** What the run is, known before its first orbit. */
export interface DashboardRunInfo {
  describe: string;
  scorers: string[];
  mode: "pull" | "link-rate";
  orbitHz?: number;
  totalOrbits: number | null;
  units?: UnitSource;
}

/** The port could not be bound (in use, or not allowed). */
export class DashboardListenError extends Error {
  override name = "DashboardListenError";
}


interface Client {
  res: ServerResponse;
  /** The socket's buffer is full: samples are skipped until it drains. */
  blocked: boolean;
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}



export class Dashboard {
  private readonly clients = new Set<Client>();
  private sampler: LiveSampler | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextDueMs = 0;
  private readonly work = { samples: 0, busyMs: 0, bytesSent: 0 };
  private hello: unknown = null;
  private final: RunSummary | null = null;
  private failure: string | null = null;
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private readonly opts: DashboardOptions,
  ) {}

  /** Listen now (before the run starts, so a port in use fails at once). */
  static async start(opts: DashboardOptions): Promise<Dashboard> {
    const host = opts.host ?? LOOPBACK;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) => {
        const why = err.code === "EADDRINUSE" ? "is in use" : err.code === "EACCES" ? "is not allowed for this user" : err.code === "EADDRNOTAVAIL" ? "is not an address of this host" : err.message;
        reject(new DashboardListenError(`--dashboard: cannot listen on ${host}:${opts.port}: the port ${why} (pick another with --dashboard PORT, or --dashboard 0 for a free one)`));
      });
      server.listen({ port: opts.port, host, exclusive: true }, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const d = new Dashboard(server, host, port, opts);
    server.on("request", (req, res) => d.handle(req, res));
    // A client's broken connection is its own business, never the run's.
    server.on("clientError", (_err, socket) => socket.destroy());
    return d;
  }

  get url(): string {
    const h = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `http://${h === "0.0.0.0" || h === "[::]" ? LOOPBACK : h}:${this.port}/`;
  }

  /** The summary (or a failure) has been sent. */
  get finished(): boolean {
    return this.final !== null || this.failure !== null;
  }

  get loopback(): boolean {
    return isLoopbackAddress(this.host);
  }

  /** The run is open: announce it and start sampling. */
  begin(info: DashboardRunInfo): void {
    this.sampler = new LiveSampler({ units: info.units, orbitHz: info.orbitHz, capacity: this.opts.capacity });
    this.hello = { describe: info.describe, scorers: info.scorers, mode: info.mode, orbitHz: info.orbitHz ?? LHC.orbitHz, totalOrbits: info.totalOrbits, lhc: LHC, hz: this.hz };
    this.broadcast(event("hello", this.hello), true);
    this.nextDueMs = performance.now() + 1000 / this.hz;
    this.timer = setInterval(() => this.tick(), 1000 / this.hz / 2);
    this.timer.unref();
  }

  /**
   * Called after each booked orbit: hands the tally over once, then only checks the clock. A run
   * whose stages are all in-process never yields to the event loop (promises only), so the
   * timer alone would starve; samples are also taken from here when one is due.
   */
  attach(tally: RunTally): void {
    if (this.sampler && !this.sampler.attached) this.sampler.attach(tally);
    if (this.timer && performance.now() >= this.nextDueMs) this.tick();
  }

  /** The run is over: one last time point, then the summary, kept for every later client. */
  finish(summary: RunSummary): void {
    this.stopSampling(true);
    this.final = summary;
    this.broadcast(event("summary", summary), true);
  }

  /** The run stopped with an error (no summary). */
  fail(message: string): void {
    this.stopSampling(false);
    this.failure = message;
    this.broadcast(event("failed", { message }), true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopSampling(false);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.sampler?.destroy();
  }

  private get hz(): number {
    return Math.min(50, Math.max(0.1, this.opts.hz ?? 4));
  }

  private stopSampling(lastPoint: boolean): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (lastPoint) this.tick();
  }

  private tick(): void {
    const now = performance.now();
    // Whichever comes first (timer or orbit) takes the point; the rate stays at most `hz`.
    if (this.timer && now < this.nextDueMs - 1) return;
    this.nextDueMs = now + 1000 / this.hz;
    const s = this.sampler?.sample();
    if (s) this.broadcast(event("sample", s), false);
    if (s) (this.work.samples++, (this.work.busyMs += performance.now() - now));
  }

  /** What the dashboard itself cost so far: time points taken, main-thread ms spent on them (sampling + sending), bytes written. */
  get cost(): { samples: number; busyMs: number; bytesSent: number } {
    return { ...this.work };
  }

  private broadcast(text: string, mustArrive: boolean): void {
    for (const c of this.clients) this.send(c, text, mustArrive);
  }

  private send(c: Client, text: string, mustArrive: boolean): void {
    if (c.res.destroyed || c.res.writableEnded) return void this.clients.delete(c);
    // Samples are running totals: a slow client loses nothing by skipping one; hello/summary are sent anyway.
    if (c.blocked && !mustArrive) return;
    this.work.bytesSent += text.length;
    if (!c.res.write(text)) c.blocked = true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.on("error", () => {});
    const hostHeader = (req.headers.host ?? "").replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
    if (this.loopback && hostHeader !== "localhost" && !isLoopbackAddress(hostHeader)) {
      res.writeHead(403, { "content-type": "text/plain" }).end("this dashboard answers on loopback names only\n");
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return void res.writeHead(405, { allow: "GET" }).end();
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:" });
      res.end(dashboardPage());
    } else if (path === "/events") {
      this.subscribe(req, res);
    } else if (path === "/summary.json") {
      if (!this.final) return void res.writeHead(204).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(this.final));
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  }

  private subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    req.on("error", () => {});
    const c: Client = { res, blocked: false };
    res.on("drain", () => (c.blocked = false));
    req.on("close", () => this.clients.delete(c));
    res.on("close", () => this.clients.delete(c));
    this.clients.add(c);
    let text = "retry: 2000\n\n";
    if (this.hello) text += event("hello", this.hello);
    if (this.sampler) text += event("history", this.sampler.history());
    if (this.final) text += event("summary", this.final);
    if (this.failure) text += event("failed", { message: this.failure });
    this.send(c, text, true);
  }
}
