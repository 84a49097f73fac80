/**
 * The wire between a run and its worker processes (remotePool.ts ↔ remoteWorker.ts): ZeroMQ
 * DEALER (worker) ↔ ROUTER (run), each message a multipart [kind, ...parts]:
 *
 * ```
 * worker → run   HELLO   identity JSON (host, pid, model id and kind, impl, version)
 * run → worker   WELCOME settings JSON (worker name, streams, heartbeat, timeout, credit)
 *                REFUSE  reason text (model differs, run full, …); the worker exits
 *                ORBIT   id (u32 LE) · one link packet per stream
 * worker → run   RESULT  header JSON (id, busyNs, faults, error) · BX (u16 LE) · raw scores (i32 LE)
 *                        [· raw inputs (i32 LE, n × features) when WELCOME asked for them: a board beside]
 * both ways      PING    (heartbeat; silence past the timeout = gone)
 * run → worker   BYE     the run is over; the worker exits 0
 * ```
 *
 * Every length from the wire is bounded before anything is allocated: libzmq's maxMessageSize
 * drops a peer that announces a larger frame (each side's bound is the largest legal part it can
 * receive), and each decoder checks part counts and sizes against the protocol's own limits.
 */
import { MAX_ORBIT_BYTES, PACKET_TRAILER_BYTES, FAULT_KINDS, type LinkStream } from "../../link/index.js";
import { BX_MAX as MAX_BX } from "../../events/batch.js";

export const WIRE_VERSION = 1;

export const KIND = {
  hello: "HELLO",
  welcome: "WELCOME",
  refuse: "REFUSE",
  orbit: "ORBIT",
  result: "RESULT",
  ping: "PING",
  bye: "BYE",
} as const;

/** Largest legal link packet (one stream of one orbit): every BX filled, plus the packet trailer. */
export const MAX_PACKET_BYTES = MAX_ORBIT_BYTES + PACKET_TRAILER_BYTES;
/** Largest JSON part (identity, settings, result header): small by construction. */
export const MAX_JSON_BYTES = 16 * 1024;
/** Largest part a worker receives (an orbit's packet). */
export const WORKER_MAX_FRAME = MAX_PACKET_BYTES;
/** Largest part the run receives (a result's raw scores; JSON parts are smaller). */
export const RUN_MAX_FRAME = Math.max(MAX_JSON_BYTES, MAX_BX * 4);
/** The same when the workers send the raw inputs back (n × nFeatures int32). */
export function runMaxFrame(wantInputs: boolean, nFeatures: number): number {
  return wantInputs ? Math.max(RUN_MAX_FRAME, MAX_BX * nFeatures * 4) : RUN_MAX_FRAME;
}

/** What a worker says about itself on connect. */
export interface WorkerIdentity {
  wire: number;
  host: string;
  pid: number;
  modelId: string;
  modelKind: string;
  /** What scores: "native" (the whole-orbit native path). */
  impl: string;
  version: string;
  /** The typed arrays travel in the host's byte order: both sides must be little-endian. */
  littleEndian: boolean;
}

export interface WorkerSettings {
  name: string;
  streams: LinkStream[];
  heartbeatMs: number;
  timeoutMs: number;
  credit: number;
  /** Send the raw inputs back with each result (a board beside the workers scores them). */
  wantInputs: boolean;
}

export interface ResultHeader {
  id: number;
  busyNs: number;
  faults: Record<string, number>;
  error?: string;
}

/** A message broken by the peer: the run drops that worker (its orbits go to another). */
export class WireError extends Error {
  override name = "WireError";
}

export function jsonPart(value: unknown): Buffer {
  const b = Buffer.from(JSON.stringify(value));
  if (b.length > MAX_JSON_BYTES) throw new WireError(`JSON part of ${b.length} bytes exceeds ${MAX_JSON_BYTES}`);
  return b;
}

function parseJson(part: Buffer | undefined, what: string): Record<string, unknown> {
  if (!part || part.length > MAX_JSON_BYTES) throw new WireError(`${what}: missing or longer than ${MAX_JSON_BYTES} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(part.toString("utf8"));
  } catch {
    throw new WireError(`${what}: not JSON`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new WireError(`${what}: not a JSON object`);
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, what: string, max = 256): string {
  const v = o[key];
  if (typeof v !== "string" || v.length > max) throw new WireError(`${what}.${key}: expected a string of at most ${max} characters`);
  return v;
}

function int(o: Record<string, unknown>, key: string, what: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new WireError(`${what}.${key}: expected an integer in ${min}..${max}`);
  return v;
}

export function decodeIdentity(part: Buffer | undefined): WorkerIdentity {
  const o = parseJson(part, "HELLO");
  return {
    wire: int(o, "wire", "HELLO", 0, 1 << 16),
    host: str(o, "host", "HELLO"),
    pid: int(o, "pid", "HELLO", 0, 2 ** 32),
    modelId: str(o, "modelId", "HELLO", 64),
    modelKind: str(o, "modelKind", "HELLO", 64),
    impl: str(o, "impl", "HELLO", 32),
    version: str(o, "version", "HELLO", 64),
    littleEndian: o.littleEndian === true,
  };
}

export function decodeSettings(part: Buffer | undefined): WorkerSettings {
  const o = parseJson(part, "WELCOME");
  const streams = o.streams;
  if (!Array.isArray(streams) || streams.length < 1 || streams.length > 2 || !streams.every((s) => s === "muon" || s === "calo")) {
    throw new WireError("WELCOME.streams: expected 1–2 of muon, calo");
  }
  return {
    name: str(o, "name", "WELCOME"),
    streams: streams as LinkStream[],
    heartbeatMs: int(o, "heartbeatMs", "WELCOME", 1, 600_000),
    timeoutMs: int(o, "timeoutMs", "WELCOME", 1, 3_600_000),
    credit: int(o, "credit", "WELCOME", 1, 1024),
    wantInputs: o.wantInputs === true,
  };
}

/** ORBIT parts after the kind: [id, packet per stream]. */
export function encodeOrbit(id: number, chunks: Uint8Array[]): Buffer[] {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(id >>> 0, 0);
  return [Buffer.from(KIND.orbit), head, ...chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))];
}

export function decodeOrbit(parts: Buffer[], streams: number): { id: number; chunks: Uint8Array[] } {
  if (parts.length !== 2 + streams || parts[1]!.length !== 4) throw new WireError(`ORBIT: expected id + ${streams} packets, got ${parts.length - 1} parts`);
  const chunks = parts.slice(2).map((p) => {
    if (p.length > MAX_PACKET_BYTES) throw new WireError(`ORBIT: packet of ${p.length} bytes exceeds ${MAX_PACKET_BYTES}`);
    return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
  });
  return { id: parts[1]!.readUInt32LE(0), chunks };
}

export interface ResultParts {
  header: ResultHeader;
  bx: Uint16Array | null;
  raw: Int32Array | null;
  inputs?: Int32Array | null;
}

export function encodeResult(r: ResultParts): Buffer[] {
  const view = (a: Uint16Array | Int32Array | null | undefined) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : Buffer.alloc(0));
  return [Buffer.from(KIND.result), jsonPart(r.header), view(r.bx), view(r.raw), ...(r.inputs ? [view(r.inputs)] : [])];
}

const FAULT_SET = new Set<string>(FAULT_KINDS);

/**
 * RESULT parts after the kind, checked: sizes agree (n BX, n scores, n ≤ MAX_BX), fault kinds are
 * the link's own with bounded counts. Parts are copied into aligned arrays (a frame's offset need
 * not be a multiple of 4).
 */
export function decodeResult(parts: Buffer[], inputsPerEvent = 0): ResultParts {
  const want = inputsPerEvent > 0 ? 5 : 4;
  if (parts.length !== want && !(want === 5 && parts.length === 4)) throw new WireError(`RESULT: expected ${want - 1} parts, got ${parts.length - 1}`);
  const o = parseJson(parts[1], "RESULT");
  const faultsIn = o.faults;
  if (typeof faultsIn !== "object" || faultsIn === null || Array.isArray(faultsIn)) throw new WireError("RESULT.faults: expected an object");
  const faults: Record<string, number> = {};
  for (const [k, v] of Object.entries(faultsIn)) {
    if (!FAULT_SET.has(k) || typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 1e9) throw new WireError(`RESULT.faults.${k}: not a link fault count`);
    faults[k] = v;
  }
  const header: ResultHeader = {
    id: int(o, "id", "RESULT", 0, 2 ** 32 - 1),
    busyNs: int(o, "busyNs", "RESULT", 0, Number.MAX_SAFE_INTEGER),
    faults,
    ...(o.error !== undefined ? { error: str(o, "error", "RESULT", 1024) } : {}),
  };
  const bxBytes = parts[2]!;
  const rawBytes = parts[3]!;
  if (bxBytes.length === 0 && rawBytes.length === 0) return { header, bx: null, raw: null };
  const n = bxBytes.length / 2;
  if (!Number.isInteger(n) || n > MAX_BX || rawBytes.length !== n * 4) throw new WireError(`RESULT: ${bxBytes.length} BX bytes and ${rawBytes.length} score bytes do not describe one orbit`);
  const bx = new Uint16Array(n);
  Buffer.from(bx.buffer).set(bxBytes);
  const raw = new Int32Array(n);
  Buffer.from(raw.buffer).set(rawBytes);
  for (let i = 0; i < n; i++) if (bx[i] < 1 || bx[i] > MAX_BX || (i > 0 && bx[i] <= bx[i - 1])) throw new WireError(`RESULT: BX ${bx[i]} at ${i} is out of range or order`);
  if (inputsPerEvent === 0) return { header, bx, raw };
  const inBytes = parts[4];
  if (!inBytes || inBytes.length !== n * inputsPerEvent * 4) throw new WireError(`RESULT: ${inBytes?.length ?? 0} input bytes for ${n} events of ${inputsPerEvent} inputs`);
  const inputs = new Int32Array(n * inputsPerEvent);
  Buffer.from(inputs.buffer).set(inBytes);
  return { header, bx, raw, inputs };
}

/** True for endpoints only this host can reach (127.0.0.0/8, ::1, localhost, ipc://, inproc://). */
export function isLoopbackEndpoint(endpoint: string): boolean {
  if (/^(ipc|inproc):\/\//.test(endpoint)) return true;
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):/.exec(endpoint);
  if (!m) return false;
  const host = m[1]!.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
