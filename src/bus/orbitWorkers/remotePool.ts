/**
 * Whole-orbit workers in other processes, on this host or any other: the run binds a ZeroMQ
 * ROUTER, `scoutloop worker --connect` processes join it (wire.ts), and each orbit's link packets
 * go to one worker, which deframes, featurises and scores them natively (orbitScorer.ts, the same
 * code as the worker threads) and sends back the compact result.
 *
 * ```
 * run:      frame a ─ORBIT→ w1      frame b ─ORBIT→ w2      frame c ─(no credit: queued)
 * w1:               [score a] ─RESULT→ run books a, w1 has credit again → ORBIT c → w1
 * w2:                                 [score b …  SIGKILL]   run: w2 lost → b re-sent to w1
 * ```
 *
 * Credits: a worker holds at most `credit` orbits at once; the rest wait in the run (bounded by the
 * pipeline's window). Each orbit is booked from exactly one answer: the one from the worker that
 * holds it now. A worker is lost when its connection goes (a PING to it fails: ROUTER_MANDATORY),
 * when it is silent longer than the timeout, or when it sends a broken message; its orbits go to
 * another live worker (at most MAX_SENDS times each), or fail as "worker-lost" when none is left.
 */
import * as zmq from "zeromq";
import { REASON, reasonCode } from "../../compare/results.js";
import { SerialQueue } from "../../hil/transport.js";
import type { CurveServerKeys } from "../../hil/transport-zmq.js";
import type { LinkStream } from "../../link/index.js";
import type { ScoringModel } from "../../scoring/index.js";
import type { OrbitWork } from "../work.js";
import { OrbitFramer, bookAnswer, failWork, type OrbitWorkerCounters } from "./book.js";
import type { OrbitWorkerPool } from "./pool.js";
import { allowOnly } from "./zap.js";
import { wholeOrbitModel } from "./orbitScorer.js";
import {
  KIND,
  runMaxFrame,
  WIRE_VERSION,
  WireError,
  decodeIdentity,
  decodeResult,
  encodeOrbit,
  isLoopbackEndpoint,
  jsonPart,
  type WorkerIdentity,
  type WorkerSettings,
} from "./wire.js";

/** Every event of an orbit no live worker could take. */
export const WORKER_LOST = reasonCode("worker-lost");

/** Workers a run keeps records of (joined ever): a flood of HELLOs costs bounded memory. */
export const MAX_WORKERS = 1024;

/** An orbit is sent at most this often (a poison orbit must not take every worker down). */
export const MAX_SENDS = 3;

export interface RemoteWorkerOptions {
  /** Where to bind, e.g. tcp://127.0.0.1:5560 (tcp://127.0.0.1:* picks a free port). */
  endpoint: string;
  /** Worker processes to wait for before the first orbit. */
  workers: number;
  streams?: LinkStream[];
  /** Scorer name in results and summaries (default "native"). */
  name?: string;
  /** Wait at most this long for `workers` to join (default 60 s). */
  waitMs?: number;
  /** Orbits in flight per worker (default 4). */
  credit?: number;
  /** Heartbeat interval (default 250 ms) and silence after which a worker is lost (default 5 s). */
  heartbeatMs?: number;
  timeoutMs?: number;
  /** CURVE server keys: required to bind beyond loopback. */
  curve?: CurveServerKeys | null;
  /** With `curve`: admit only workers with these CURVE public keys (Z85); absent: any with the server key. */
  workerKeys?: readonly string[] | null;
  /** Workers send the raw inputs back too (a board beside them scores the same inputs). */
  wantInputs?: boolean;
  /** One line per join, refusal and loss (default: none). */
  log?: (line: string) => void;
  /** Called with the bound endpoint before any worker is heard. */
  onListening?: (endpoint: string) => void;
}

export interface RemoteWorkerPool extends OrbitWorkerPool {
  /** The endpoint as bound (the port filled in). */
  readonly endpoint: string;
  /** Resolves once `workers` have joined; rejects with WorkersUnavailableError after the wait. */
  waitForWorkers(): Promise<void>;
}

/** Too few workers joined in time: exit code 4 (the peers could not be reached), like a board. */
export class WorkersUnavailableError extends Error {
  override name = "WorkersUnavailableError";
}

/** A non-loopback bind without CURVE. */
export class InsecureBindError extends Error {
  override name = "UsageError";
}

interface Peer {
  key: string;
  routing: Buffer;
  identity: WorkerIdentity;
  counters: OrbitWorkerCounters;
  inFlight: Set<number>;
  lastSeen: number;
  dead: string | null;
}

interface Job {
  id: number;
  work: OrbitWork;
  chunks: Uint8Array[];
  resolve: (w: OrbitWork) => void;
  peer: Peer | null;
  sends: number;
}

export async function remoteWorkerPool(model: ScoringModel, opts: RemoteWorkerOptions): Promise<RemoteWorkerPool> {
  if (!opts.curve && !isLoopbackEndpoint(opts.endpoint)) {
    throw new InsecureBindError(`binding ${opts.endpoint} beyond loopback needs CURVE (--curve): workers on other hosts must not talk in the clear`);
  }
  // The workers would refuse to start on a model without the native whole-orbit path: say so now.
  wholeOrbitModel(model.toJSON());
  const need = Math.max(1, Math.floor(opts.workers));
  const streams = opts.streams ?? ["muon", "calo"];
  const name = opts.name ?? "native";
  const credit = Math.max(1, opts.credit ?? 4);
  const heartbeatMs = Math.max(10, opts.heartbeatMs ?? 250);
  const timeoutMs = Math.max(heartbeatMs * 2, opts.timeoutMs ?? 5000);
  const waitMs = opts.waitMs ?? 60_000;
  const log = opts.log ?? (() => {});

  const socketOpts: Record<string, unknown> = {
    // Long enough for the last BYEs to leave after close(); messages to lost workers are dropped anyway.
    linger: 1000,
    mandatory: true,
    sendHighWaterMark: 100_000,
    receiveHighWaterMark: 10_000,
    sendTimeout: 2000,
    maxMessageSize: runMaxFrame(opts.wantInputs ?? false, model.nFeatures),
    ipv6: opts.endpoint.includes("["),
  };
  if (opts.curve) Object.assign(socketOpts, { curveServer: true, curvePublicKey: opts.curve.publicKey, curveSecretKey: opts.curve.secretKey });
  if (opts.workerKeys && !opts.curve) throw new InsecureBindError("a list of worker keys needs CURVE (--curve)");
  const zap = opts.workerKeys ? await allowOnly(opts.workerKeys, (address) => log(`refused a worker at ${address}: its CURVE key is not on the run's list`)) : null;
  if (zap) socketOpts.zapDomain = zap.domain;
  const router = new zmq.Router(socketOpts);
  try {
    await router.bind(opts.endpoint);
  } catch (err) {
    zap?.release();
    router.close();
    throw new WorkersUnavailableError(`cannot bind the worker endpoint ${opts.endpoint}: ${(err as Error).message}`);
  }
  const endpoint = router.lastEndpoint ?? opts.endpoint;
  opts.onListening?.(endpoint);

  const sends = new SerialQueue();
  const peers = new Map<string, Peer>();
  const order: Peer[] = [];
  const jobs = new Map<number, Job>();
  const queue: Job[] = [];
  const framer = new OrbitFramer(streams);
  let nextId = 1;
  let closed = false;
  /** Set once the first workers joined: from then on, orbits nobody can take fail at once. */
  let started = false;
  let joinedWaiter: (() => void) | null = null;

  const live = () => order.filter((p) => !p.dead);

  const send = (peer: Peer, parts: Buffer[]): Promise<void> =>
    sends.run(async () => {
      if (closed) return;
      try {
        await router.send([peer.routing, ...parts]);
      } catch (err) {
        // ROUTER_MANDATORY: the peer's connection is gone (or it stopped reading).
        lose(peer, (err as { code?: string }).code === "EHOSTUNREACH" ? "connection lost" : `send failed: ${(err as Error).message}`);
      }
    });

  const finish = (job: Job, w: OrbitWork) => {
    jobs.delete(job.id);
    job.resolve(w);
  };

  const dispatch = () => {
    while (queue.length > 0) {
      let best: Peer | null = null;
      for (const p of order) if (!p.dead && p.inFlight.size < credit && (!best || p.inFlight.size < best.inFlight.size)) best = p;
      if (!best) break;
      const job = queue.shift()!;
      job.peer = best;
      job.sends++;
      if (job.sends > 1) best.counters.resentOrbits!++;
      best.inFlight.add(job.id);
      void send(best, encodeOrbit(job.id, job.chunks));
    }
    // Nobody left to take them (after the start: waiting for the first workers is waitForWorkers' job).
    if (started && live().length === 0) {
      for (const job of queue.splice(0)) finish(job, failWork(job.work, name, WORKER_LOST));
    }
  };

  function lose(peer: Peer, why: string) {
    if (peer.dead) return;
    peer.dead = why;
    peer.counters.left = why;
    log(`worker ${peer.counters.name} lost (${why}): ${peer.inFlight.size} orbits in flight go to ${live().length ? "the other workers" : "no one (failed)"}`);
    const back: Job[] = [];
    for (const id of peer.inFlight) {
      const job = jobs.get(id);
      if (!job) continue;
      peer.counters.lostOrbits!++;
      job.peer = null;
      if (job.sends >= MAX_SENDS) finish(job, failWork(job.work, name, WORKER_LOST));
      else back.push(job);
    }
    peer.inFlight.clear();
    queue.unshift(...back);
    void sendRaw(peer.routing, [Buffer.from(KIND.bye)]);
    dispatch();
  }

  /** To a peer we hold no record for (or no longer trust): best effort, failures ignored. */
  const sendRaw = (routing: Buffer, parts: Buffer[]) =>
    sends.run(async () => {
      if (closed) return;
      await router.send([routing, ...parts]).catch(() => {});
    });

  const refuse = (routing: Buffer, reason: string) => {
    log(`worker refused: ${reason}`);
    void sendRaw(routing, [Buffer.from(KIND.refuse), Buffer.from(reason.slice(0, 1024))]);
  };

  const hello = (routing: Buffer, key: string, part: Buffer | undefined) => {
    let id: WorkerIdentity;
    try {
      id = decodeIdentity(part);
    } catch (err) {
      return refuse(routing, (err as Error).message);
    }
    const who = `${id.host}/${id.pid}`;
    if (id.wire !== WIRE_VERSION) return refuse(routing, `${who}: wire version ${id.wire}, the run speaks ${WIRE_VERSION}`);
    if (!id.littleEndian) return refuse(routing, `${who}: big-endian host (scores travel little-endian)`);
    if (id.modelId !== model.id) return refuse(routing, `${who}: model ${id.modelKind} ${id.modelId} differs from the run's ${model.kind} ${model.id}`);
    if (id.impl !== "native") return refuse(routing, `${who}: scores with ${id.impl}, the run needs the native whole-orbit path`);
    if (order.length >= MAX_WORKERS) return refuse(routing, `${who}: the run has had ${MAX_WORKERS} workers already`);
    let label = who;
    for (let k = 2; order.some((p) => p.counters.name === label); k++) label = `${who}#${k}`;
    const peer: Peer = {
      key,
      routing,
      identity: id,
      inFlight: new Set(),
      lastSeen: Date.now(),
      dead: null,
      counters: { name: label, host: id.host, pid: id.pid, orbits: 0, events: 0, failedOrbits: 0, busySeconds: 0, resentOrbits: 0, lostOrbits: 0, left: null },
    };
    peers.set(key, peer);
    order.push(peer);
    const settings: WorkerSettings = { name: label, streams, heartbeatMs, timeoutMs, credit, wantInputs: opts.wantInputs ?? false };
    void send(peer, [Buffer.from(KIND.welcome), jsonPart(settings)]);
    log(`worker ${label} joined (model ${id.modelKind} ${id.modelId}, ${id.impl}, scoutloop ${id.version}); ${live().length} of ${need} ready`);
    if (live().length >= need) joinedWaiter?.();
    dispatch();
  };

  const result = (peer: Peer, parts: Buffer[]) => {
    const r = decodeResult(parts, opts.wantInputs ? model.nFeatures : 0);
    const job = jobs.get(r.header.id);
    // Not this worker's orbit (any more): it was re-sent after the worker was presumed lost.
    if (!job || job.peer !== peer) return;
    peer.inFlight.delete(job.id);
    peer.counters.busySeconds += r.header.busyNs / 1e9;
    const outcome = bookAnswer(job.work, { bx: r.bx, raw: r.raw, inputs: r.inputs, faults: r.header.faults, error: r.header.error }, model, name);
    if (outcome === "error" && peer.counters.failedOrbits++ === 0) log(`worker ${peer.counters.name} failed an orbit: ${r.header.error}`);
    if (outcome !== "error") peer.counters.orbits++;
    if (outcome === "scored") peer.counters.events += r.bx!.length;
    finish(job, job.work);
    dispatch();
  };

  const handle = (frames: Buffer[]) => {
    const routing = frames[0]!;
    const kind = frames[1]?.toString("latin1") ?? "";
    const key = routing.toString("hex");
    const peer = peers.get(key);
    if (kind === KIND.hello) {
      if (!peer) hello(routing, key, frames[2]);
      return;
    }
    if (!peer) return refuse(routing, "a message before HELLO (a worker that reconnected is a new worker: start it again)");
    if (peer.dead) return void sendRaw(routing, [Buffer.from(KIND.bye)]);
    peer.lastSeen = Date.now();
    try {
      if (kind === KIND.result) result(peer, frames.slice(1));
      else if (kind !== KIND.ping) throw new WireError(`unknown message kind "${kind.slice(0, 16)}"`);
    } catch (err) {
      lose(peer, `broken message: ${(err as Error).message}`);
    }
  };

  const receiving = (async () => {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await router.receive();
      } catch {
        return; // closed
      }
      handle(frames);
    }
  })();

  let lastBeat = Date.now();
  const beat = () => {
    const now = Date.now();
    // This thread was itself held up (e.g. generating the replay pool): the workers' beats are
    // still unread in the socket, so their silence says nothing yet.
    if (now - lastBeat > heartbeatMs * 4) for (const p of live()) p.lastSeen = Math.max(p.lastSeen, now);
    lastBeat = now;
    for (const p of live()) {
      if (now - p.lastSeen > timeoutMs) lose(p, `silent for ${((now - p.lastSeen) / 1000).toFixed(1)} s`);
      else void send(p, [Buffer.from(KIND.ping)]);
    }
  };
  const timer = setInterval(beat, heartbeatMs);
  // A dropped TCP connection is known at once: probe every worker now instead of at the next beat.
  router.events.on("disconnect", () => {
    if (!closed) setImmediate(beat);
  });

  return {
    name,
    endpoint,
    waitForWorkers() {
      if (live().length >= need) return Promise.resolve().then(() => void (started = true));
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          joinedWaiter = null;
          const hint = `scoutloop worker --connect ${endpoint.replace(/^tcp:\/\/(0\.0\.0\.0|\*)/, "tcp://THIS-HOST")}${opts.curve ? " --server-key FILE" : ""}`;
          reject(new WorkersUnavailableError(`only ${live().length} of ${need} workers joined ${endpoint} within ${+(waitMs / 1000).toPrecision(3)} s (start each with: ${hint})`));
        }, waitMs);
        joinedWaiter = () => {
          clearTimeout(t);
          joinedWaiter = null;
          started = true;
          resolve();
        };
      });
    },
    process(work: OrbitWork): Promise<OrbitWork> {
      const chunks = framer.frame(work);
      return new Promise<OrbitWork>((resolve) => {
        if (closed) return resolve(failWork(work, name, REASON.scorerError));
        const job: Job = { id: nextId++ >>> 0, work, chunks, resolve, peer: null, sends: 0 };
        jobs.set(job.id, job);
        queue.push(job);
        dispatch();
      });
    },
    newRun: () => framer.reset(),
    async kill(index: number) {
      const p = order[index];
      if (!p) throw new RangeError(`no worker ${index}`);
      lose(p, "stopped by the run");
    },
    counters: () => order.map((p) => ({ ...p.counters })),
    async close() {
      if (closed) return;
      clearInterval(timer);
      for (const p of live()) void sendRaw(p.routing, [Buffer.from(KIND.bye)]);
      await sends.idle(500);
      closed = true;
      for (const job of [...jobs.values()]) finish(job, failWork(job.work, name, REASON.scorerError));
      queue.length = 0;
      router.close();
      zap?.release();
      await receiving;
    },
  };
}
