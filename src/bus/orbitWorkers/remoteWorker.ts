/**
 * The worker-process side of remotePool.ts (`scoutloop worker --connect`): a DEALER that says
 * who it is (HELLO), takes the settings the run sends (WELCOME), then scores every ORBIT it gets
 * with orbitScorer.ts — the same code the worker threads run — and answers with a RESULT. It
 * beats (PING) so the run knows it lives, and stops by itself when the run says BYE or REFUSE, or
 * goes silent past the run's timeout.
 */
import { hostname } from "node:os";
import * as zmq from "zeromq";
import { SerialQueue } from "../../hil/transport.js";
import type { ScoringModel } from "../../scoring/index.js";
import { orbitScorer, type OrbitScorer } from "./orbitScorer.js";
import {
  KIND,
  WIRE_VERSION,
  WORKER_MAX_FRAME,
  WireError,
  decodeOrbit,
  decodeSettings,
  encodeResult,
  jsonPart,
  type WorkerIdentity,
  type WorkerSettings,
} from "./wire.js";

export interface WorkerProcessOptions {
  /** The run's endpoint, e.g. tcp://10.0.0.1:5560. */
  connect: string;
  /** The native model (whole-orbit path): its id must be the run's. */
  model: ScoringModel;
  /** scoutloop version stated in HELLO. */
  version: string;
  /** Host label in HELLO (default: the host name). */
  host?: string;
  /** The run's CURVE public key (Z85, 40 characters), when it binds with CURVE. */
  serverKey?: string;
  /** This worker's own CURVE keypair (a run with a list of worker keys admits only those); default: a fresh one. */
  ownKeys?: { publicKey: string; secretKey: string };
  /** Give up when no WELCOME came within this long (default 60 s; the run may start later). */
  joinTimeoutMs?: number;
  log?: (line: string) => void;
  /** After each orbit scored (running totals), e.g. for a progress line. */
  onOrbit?: (totals: WorkerProcessResult) => void;
}

export interface WorkerProcessResult {
  /** How it ended: the run said BYE (0), refused it, or vanished. */
  end: "bye" | "refused" | "no-run" | "run-lost";
  detail: string;
  name: string | null;
  orbits: number;
  events: number;
  busySeconds: number;
}

export function workerIdentity(model: ScoringModel, version: string, host = hostname()): WorkerIdentity {
  return {
    wire: WIRE_VERSION,
    host,
    pid: process.pid,
    modelId: model.id,
    modelKind: model.kind,
    impl: "native",
    version,
    littleEndian: new Uint8Array(new Uint16Array([1]).buffer)[0] === 1,
  };
}

export async function serveOrbits(opts: WorkerProcessOptions): Promise<WorkerProcessResult> {
  const log = opts.log ?? (() => {});
  const socketOpts: Record<string, unknown> = {
    linger: 200,
    reconnectInterval: 100,
    sendHighWaterMark: 10_000,
    receiveHighWaterMark: 10_000,
    maxMessageSize: WORKER_MAX_FRAME,
    ipv6: opts.connect.includes("["),
  };
  if (opts.serverKey) {
    const own = opts.ownKeys ?? zmq.curveKeyPair();
    Object.assign(socketOpts, { curveServerKey: opts.serverKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey });
  }
  const dealer = new zmq.Dealer(socketOpts);
  const sends = new SerialQueue();
  const send = (parts: Buffer[]) => sends.run(() => dealer.send(parts));
  const out: WorkerProcessResult = { end: "no-run", detail: "", name: null, orbits: 0, events: 0, busySeconds: 0 };
  const stop = (end: WorkerProcessResult["end"], detail: string) => {
    if (out.detail) return;
    out.end = end;
    out.detail = detail;
    dealer.close();
  };
  let handshakeError = "";
  dealer.events.on("handshake:error:protocol", (e) => (handshakeError = `CURVE/ZMTP handshake failed (${e.error?.message ?? "protocol"}): check --server-key`));
  // The run's list of worker keys does not hold ours: no point in trying again.
  dealer.events.on("handshake:error:auth", () => stop("refused", `refused by the run: its list of worker keys does not hold this worker's key${opts.ownKeys ? "" : " (give it with --key FILE)"}`));
  dealer.connect(opts.connect);
  await send([Buffer.from(KIND.hello), jsonPart(workerIdentity(opts.model, opts.version, opts.host))]).catch(() => {}); // closed by stop()

  let settings: WorkerSettings | null = null;
  let scorer: OrbitScorer | null = null;
  let lastHeard = Date.now();
  let timer: NodeJS.Timeout | null = null;
  const joinTimeoutMs = opts.joinTimeoutMs ?? 60_000;
  // Before WELCOME: bounded wait for the run; after: the run's own timeout on its silence.
  const watchdog = setInterval(() => {
    const silent = Date.now() - lastHeard;
    if (!settings && silent > joinTimeoutMs) stop("no-run", `no answer from a run at ${opts.connect} within ${(joinTimeoutMs / 1000).toFixed(0)} s${handshakeError ? ` (${handshakeError})` : ""}`);
    // The run's thread may stall for seconds (e.g. preparing a link-rate replay) without being
    // gone: give it several of its own timeouts before stopping.
    if (settings && silent > Math.max(3 * settings.timeoutMs, 15_000)) stop("run-lost", `the run at ${opts.connect} went silent for ${(silent / 1000).toFixed(1)} s`);
  }, 100);

  try {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await dealer.receive();
      } catch {
        break; // closed by stop()
      }
      lastHeard = Date.now();
      const kind = frames[0]?.toString("latin1") ?? "";
      if (kind === KIND.ping) continue;
      if (kind === KIND.bye) {
        stop("bye", "the run is over");
        break;
      }
      if (kind === KIND.refuse) {
        stop("refused", `refused by the run: ${(frames[1] ?? Buffer.alloc(0)).toString("utf8").slice(0, 1024)}`);
        break;
      }
      if (kind === KIND.welcome && !settings) {
        settings = decodeSettings(frames[1]);
        scorer = orbitScorer(opts.model, settings.streams, settings.wantInputs);
        out.name = settings.name;
        log(`joined ${opts.connect} as ${settings.name} (streams ${settings.streams.join("+")}, credit ${settings.credit})`);
        timer = setInterval(() => void send([Buffer.from(KIND.ping)]).catch(() => {}), settings.heartbeatMs);
        continue;
      }
      if (kind === KIND.orbit && scorer && settings) {
        let job: { id: number; chunks: Uint8Array[] };
        try {
          job = decodeOrbit(frames, settings.streams.length);
        } catch (err) {
          if (err instanceof WireError) log(`ignored a broken ORBIT: ${err.message}`);
          continue;
        }
        const a = scorer.score(job.id, job.chunks);
        out.orbits++;
        out.events += a.bx?.length ?? 0;
        out.busySeconds += a.busyNs / 1e9;
        opts.onOrbit?.(out);
        try {
          await send(encodeResult({ header: { id: a.id, busyNs: a.busyNs, faults: a.faults, ...(a.error ? { error: a.error } : {}) }, bx: a.bx, raw: a.raw, inputs: a.inputs }));
        } catch {
          break; // closed by stop() while the run was not taking results
        }
      }
    }
  } finally {
    clearInterval(watchdog);
    if (timer) clearInterval(timer);
    if (!dealer.closed) dealer.close();
  }
  return out;
}
