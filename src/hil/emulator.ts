/**
 * Board emulator: serves board protocol v1 from a fixed-point scoring model, over ZeroMQ
 * (ROUTER) or a pty pair (serial), with a pipeline latency model and seeded fault injection.
 *
 * Cycle model (an II-pipelined HLS block at the profile clock): the board's cycle counter runs
 * from start-up at clockMHz; a batch starts at max(now, end of the previous batch); event i
 * enters at ingress = start + i·II and leaves at egress = ingress + latencyCycles.
 *
 * ```ts
 * const emu = await startEmulator({ model, profile: loadProfile("emulator-zmq"), zmq: "tcp://127.0.0.1:*" });
 * const client = await BoardClient.connect({ profile, address: emu.address });
 * ...; await emu.close();
 * ```
 */
import { native } from "../native.js";
import { formatFixed, rawMax, rawMin, type FixedFormat } from "../scoring/fixed.js";
import { floatOnlyError } from "../scoring/model.js";
import {
  decodeHeader,
  decodeMessage,
  encodeError,
  encodeHelloReply,
  encodePong,
  encodeScoreReply,
  headerSeq,
  ProtocolError,
  ScoreScratch,
} from "./codec.js";
import { replyFlags } from "./flags.js";
import { FaultRng, NO_FAULTS, parseFaultSpec, type FaultSpec } from "./faults.js";
import type { BoardProfile } from "./profile.js";
import {
  ErrorCode,
  MsgType,
  PROTOCOL_VERSION,
  ReplyFlag,
  type HelloInfo,
  type RawMessage,
  type ScoreRequest,
} from "./protocol.js";
import type { BoardTransport } from "./transport.js";
import { PtyBoardTransport } from "./transport-serial.js";
import { ZmqBoardTransport, type CurveServerKeys } from "./transport-zmq.js";

/** What the emulator needs from a scoring model (src/scoring ScoringModel satisfies it). */
export interface EmulatorModel {
  id: string;
  kind?: string;
  /** True for a model with no fixed-point scores (an extended isolation forest): refused. */
  floatOnly?: boolean;
  nFeatures: number;
  inputFormat: FixedFormat;
  outputFormat: FixedFormat;
  /** Raw output bits for n rows of raw input bits — bit-exact model of the firmware. */
  scoreFixedRaw(rawInputs: Int32Array, n: number): Int32Array;
}

export interface EmulatorOptions {
  model: EmulatorModel;
  profile: BoardProfile;
  /** ZeroMQ endpoint to bind (e.g. tcp://127.0.0.1:* for a free port, ipc:///tmp/x.sock). */
  zmq?: string;
  /** Serve on a new pty pair instead; `address` is then the /dev/pts/N for the host. */
  pty?: boolean;
  /** Pace pty writes at this baud rate (default: the profile's, if serial; 0 = unpaced). */
  baudRate?: number;
  faults?: FaultSpec | string;
  seed?: number;
  curve?: CurveServerKeys;
  firmwareId?: string;
  firmwareHash?: string;
  /** Held replies for duplicate requests (a retry gets the same answer, not a second scoring). */
  replyCacheSize?: number;
}

export interface EmulatorStats {
  helloRequests: number;
  pingRequests: number;
  scoreRequests: number;
  duplicateRequests: number;
  eventsScored: number;
  badRequests: number;
  dropped: number;
  delayed: number;
  corrupted: number;
  reordered: number;
  wrongBits: number;
  flagLies: number;
  truncated: number;
  duplicated: number;
  /** Requests answered with another seq, events answered with another BX, requests answered short. */
  wrongSeqEvents: number;
  wrongBxEvents: number;
  shortReplyEvents: number;
  /** Requests whose first answer was the injected ERROR. */
  errorsInjected: number;
  disconnected: boolean;
}

export interface Emulator {
  readonly kind: "zmq" | "serial";
  /** Endpoint the host connects to (resolved port for tcp://…:*) or the pty slave path. */
  readonly address: string;
  readonly hello: HelloInfo;
  readonly faults: FaultSpec;
  readonly stats: EmulatorStats;
  /** Events whose score bits were corrupted on purpose (wrong-bits), in order. */
  readonly injected: { orbit: number[]; bx: number[] };
  /** Resolves once the emulator stopped serving (close() or disconnect-after). */
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

interface HeldReply {
  peer: unknown;
  reply: RawMessage;
  timer: NodeJS.Timeout;
}

interface CachedReply {
  requestCrc: number;
  reply: RawMessage;
}

/** Start serving; resolves once bound (zmq) or the pty exists. */
export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const { model, profile } = opts;
  // The emulated firmware returns fixed-point score bits: a float-only model has none.
  if (model.floatOnly) throw floatOnlyError(model, "an emulated board");
  const faults = typeof opts.faults === "string" ? parseFaultSpec(opts.faults) : (opts.faults ?? NO_FAULTS);
  const rng = new FaultRng(opts.seed ?? 1);
  const transport: BoardTransport = opts.pty
    ? PtyBoardTransport.open(opts.baudRate ?? (profile.transport.kind === "serial" && profile.transport.pacing ? profile.transport.baudRate : 0))
    : await ZmqBoardTransport.bind(opts.zmq ?? (profile.transport.kind === "zmq" ? profile.transport.endpoint : "tcp://127.0.0.1:*"), opts.curve);

  const hello: HelloInfo = {
    protocolVersion: PROTOCOL_VERSION,
    nFeatures: model.nFeatures,
    maxBatch: profile.maxBatch,
    clockKHz: Math.round(profile.clockMHz * 1000),
    latencyCycles: profile.latencyCycles,
    initiationInterval: profile.initiationInterval,
    boardName: `scoutloop-emulator/${profile.name}`,
    firmwareId: opts.firmwareId ?? profile.firmware?.id ?? "scoutloop-emulator",
    firmwareHash: opts.firmwareHash ?? profile.firmware?.hash ?? "",
    modelId: model.id,
    inputFormat: formatFixed(model.inputFormat),
    outputFormat: formatFixed(model.outputFormat),
  };
  const stats: EmulatorStats = {
    helloRequests: 0, pingRequests: 0, scoreRequests: 0, duplicateRequests: 0, eventsScored: 0, badRequests: 0,
    dropped: 0, delayed: 0, corrupted: 0, reordered: 0, wrongBits: 0, flagLies: 0,
    truncated: 0, duplicated: 0, wrongSeqEvents: 0, wrongBxEvents: 0, shortReplyEvents: 0, errorsInjected: 0, disconnected: false,
  };
  const injected = { orbit: [] as number[], bx: [] as number[] };

  const t0 = process.hrtime.bigint();
  const cyclesPerNs = profile.clockMHz / 1000;
  const cycleNow = () => Math.floor(Number(process.hrtime.bigint() - t0) * cyclesPerNs);
  let pipelineFreeAt = 0;

  const outWidth = model.outputFormat.width;
  const outSigned = model.outputFormat.signed;

  const cache = new Map<number, CachedReply>();
  // Requests are scored as they are decoded, so one set of request arrays serves them all.
  const scratch = new ScoreScratch();
  /** Requests (by CRC) already answered once with the injected ERROR. */
  const firstAnswered = new Set<number>();
  const cacheSize = opts.replyCacheSize ?? 256;
  let held: HeldReply | null = null;
  let stopped = false;
  let resolveStopped!: () => void;
  const stoppedPromise = new Promise<void>((r) => (resolveStopped = r));

  /** Flip one bit of a W-bit raw value and sign-extend it back. */
  const flipBit = (raw: number): number => {
    const bit = rng.below(outWidth);
    const flipped = (raw ^ (1 << bit)) >>> 0;
    if (outWidth >= 32) return flipped | 0;
    const masked = flipped & ((1 << outWidth) >>> 0) - 1;
    return outSigned ? (masked << (32 - outWidth)) >> (32 - outWidth) : masked;
  };

  const score = (seq: number, req: ScoreRequest): RawMessage => {
    const n = req.n;
    const raw = model.scoreFixedRaw(req.features, n);
    const flags = replyFlags(raw, req.features, n, req.nFeatures, model.inputFormat, model.outputFormat);
    for (let i = 0; i < n && (faults.wrongBits > 0 || faults.flagLies > 0); i++) {
      if (faults.wrongBits > 0 && rng.next() < faults.wrongBits) {
        raw[i] = flipBit(raw[i]!);
        flags[i] |= ReplyFlag.FAULT_INJECTED;
        stats.wrongBits++;
        injected.orbit.push(req.orbit[i]!);
        injected.bx.push(req.bx[i]!);
      }
      if (faults.flagLies > 0 && rng.next() < faults.flagLies) {
        flags[i] ^= ReplyFlag.SATURATED; // a firmware bug the CRC cannot see: only the comparison can
        stats.flagLies++;
      }
    }
    const ii = profile.initiationInterval;
    const start = Math.max(cycleNow(), pipelineFreeAt);
    pipelineFreeAt = start + n * ii;
    const ingress = new Float64Array(n);
    const egress = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ingress[i] = start + i * ii;
      egress[i] = ingress[i]! + profile.latencyCycles;
    }
    stats.eventsScored += n;
    let bxOut = req.bx;
    if (faults.wrongBx > 0) {
      bxOut = Uint16Array.from(req.bx);
      for (let i = 0; i < n; i++) if (rng.next() < faults.wrongBx) (bxOut[i] = (bxOut[i]! % 3564) + 1), stats.wrongBxEvents++;
    }
    let nOut = n;
    if (faults.shortReply > 0 && n > 0 && rng.next() < faults.shortReply) (nOut = n - 1), (stats.shortReplyEvents += n);
    let seqOut = seq;
    if (faults.wrongSeq > 0 && rng.next() < faults.wrongSeq) (seqOut = (seq + 1) >>> 0), (stats.wrongSeqEvents += n);
    const sub = <T extends { subarray(a: number, b: number): T }>(a: T) => a.subarray(0, nOut);
    return encodeScoreReply(seqOut, { n: nOut, orbit: sub(req.orbit), bx: sub(bxOut), flags: sub(flags), score: sub(raw), ingressCycle: sub(ingress), egressCycle: sub(egress) });
  };

  const send = (peer: unknown, reply: RawMessage) => {
    if (!stopped) transport.send(peer, reply).catch(() => undefined);
  };

  /** The channel between board and host: drop, corrupt, delay and reorder happen here. */
  const deliver = (peer: unknown, reply: RawMessage, isScore: boolean) => {
    if (isScore && faults.drop > 0 && rng.next() < faults.drop) {
      stats.dropped++;
      return;
    }
    if (isScore && faults.truncate > 0 && rng.next() < faults.truncate) {
      stats.truncated++;
      reply = { header: reply.header, payload: reply.payload.subarray(0, reply.payload.length >> 1) };
    }
    if (isScore && faults.duplicate > 0 && rng.next() < faults.duplicate) {
      stats.duplicated++;
      send(peer, reply);
    }
    if (isScore && faults.corrupt > 0 && rng.next() < faults.corrupt) {
      stats.corrupted++;
      const bytes = Buffer.concat([reply.header, reply.payload]);
      const bit = rng.below(bytes.length * 8);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      reply = { header: bytes.subarray(0, reply.header.length), payload: bytes.subarray(reply.header.length) };
    }
    const go = () => {
      if (isScore && faults.reorder) {
        if (held) {
          clearTimeout(held.timer);
          const first = held;
          held = null;
          stats.reordered++;
          send(peer, reply);
          send(first.peer, first.reply);
        } else {
          // Hold this reply until the next one overtakes it (or 20 ms pass, so none is stranded).
          const h: HeldReply = { peer, reply, timer: setTimeout(() => releaseHeld(h), 20) };
          held = h;
        }
        return;
      }
      send(peer, reply);
    };
    if (faults.delayMs > 0) {
      stats.delayed++;
      setTimeout(go, faults.delayMs);
    } else go();
  };

  const releaseHeld = (h: HeldReply) => {
    if (held !== h) return;
    held = null;
    send(h.peer, h.reply);
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (held) clearTimeout(held.timer);
    await transport.close();
    resolveStopped();
  };

  const handle = (raw: RawMessage, peer: unknown) => {
    let msg;
    try {
      msg = decodeMessage(raw, scratch);
    } catch (err) {
      stats.badRequests++;
      const code = err instanceof ProtocolError ? err.code : ErrorCode.INTERNAL;
      let seq = 0;
      try {
        seq = decodeHeader(raw.header).seq;
      } catch {
        seq = headerSeq(raw.header);
      }
      send(peer, encodeError(seq, { code, text: (err as Error).message }));
      return;
    }
    switch (msg.type) {
      case MsgType.HELLO:
        stats.helloRequests++;
        send(peer, encodeHelloReply(msg.seq, hello));
        return;
      case MsgType.PING:
        stats.pingRequests++;
        send(peer, encodePong(msg.seq, { token: msg.token, boardCycle: BigInt(cycleNow()) }));
        return;
      case MsgType.SCORE: {
        const req = msg.request;
        if (req.nFeatures !== model.nFeatures) {
          stats.badRequests++;
          send(peer, encodeError(msg.seq, { code: ErrorCode.BAD_FEATURE_COUNT, text: `board takes ${model.nFeatures} features per event, got ${req.nFeatures}` }));
          return;
        }
        if (req.n > profile.maxBatch) {
          stats.badRequests++;
          send(peer, encodeError(msg.seq, { code: ErrorCode.BATCH_TOO_LARGE, text: `batch of ${req.n} events exceeds max batch ${profile.maxBatch}` }));
          return;
        }
        const crc = raw.header.readUInt32LE(16);
        if (faults.errorCode && !firstAnswered.has(crc)) {
          if (firstAnswered.size >= 65536) firstAnswered.clear();
          firstAnswered.add(crc);
          stats.errorsInjected++;
          send(peer, encodeError(msg.seq, { code: faults.errorCode, text: "injected fault" }));
          return;
        }
        const cached = cache.get(msg.seq);
        if (cached && cached.requestCrc === crc) {
          stats.duplicateRequests++;
          deliver(peer, cached.reply, true);
          return;
        }
        stats.scoreRequests++;
        const reply = score(msg.seq, req);
        cache.set(msg.seq, { requestCrc: crc, reply });
        if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
        deliver(peer, reply, true);
        if (faults.disconnectAfter > 0 && stats.scoreRequests >= faults.disconnectAfter) {
          stats.disconnected = true; // from now on the board is dead: requests go unanswered
          // Let the last reply leave first, then vanish like an unplugged board.
          setTimeout(() => void stop(), Math.max(5, faults.delayMs + 5));
        }
        return;
      }
      default:
        stats.badRequests++;
        send(peer, encodeError(msg.seq, { code: ErrorCode.BAD_TYPE, text: `the board does not accept message type 0x${msg.type.toString(16)}` }));
    }
  };

  void (async () => {
    try {
      for await (const { msg, peer } of transport) {
        if (stopped) break;
        if (stats.disconnected) continue;
        handle(msg, peer);
      }
    } catch {
      /* transport failed: stop serving */
    }
    await stop();
  })();

  return {
    kind: opts.pty ? "serial" : "zmq",
    address: transport.address,
    hello,
    faults,
    stats,
    injected,
    stopped: stoppedPromise,
    close: stop,
  };
}

/** The TS reference of the emulator's reply flags (native hilReplyFlags computes the same bits). */
export function replyFlagsReference(
  features: Int32Array, n: number, nF: number, inMin: number, inMax: number, raw: Int32Array, outMin: number, outMax: number, outSaturates: boolean,
): Uint8Array {
  const flags = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let f = 0;
    const r = raw[i]!;
    if (outSaturates && (r === outMax || r === outMin)) f |= ReplyFlag.SATURATED;
    for (let k = i * nF, end = k + nF; k < end; k++) {
      const v = features[k]!;
      if (v < inMin || v > inMax) {
        f |= ReplyFlag.INPUT_OVERFLOW;
        break;
      }
    }
    flags[i] = f;
  }
  return flags;
}

/** A copy of `profile` whose formats and model id are the model's (for a profile-agnostic emulator run). */
export function profileForModel(profile: BoardProfile, model: EmulatorModel): BoardProfile {
  return { ...profile, inputFormat: formatFixed(model.inputFormat), outputFormat: formatFixed(model.outputFormat), nFeatures: model.nFeatures, modelId: model.id };
}
