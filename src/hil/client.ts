/**
 * Board client: scores batches of raw fixed-point features on a board (or the emulator) over
 * any HostTransport. It keeps a window of SCORE requests in flight, arms a timeout on every wait,
 * retries a bounded number of times (on timeout, and at once on a sequence gap over ordered
 * links), tells a lost request from a silent board with PING, reconnects (re-checking HELLO) and,
 * when it gives up, fails the events with a reason and a BoardRequestError carrying what was in
 * flight, the recent round trips and the raw request. Every event ends scored or failed.
 *
 * ```ts
 * const client = await BoardClient.connect({ profile: loadProfile("emulator-zmq"), address: emu.address });
 * const res = await client.score({ n, orbit: 7, bx, features }); // features: n × 57 raw input bits
 * res.status[i] === EventStatus.SCORED ? res.score[i] : EVENT_STATUS_NAMES[res.status[i]];
 * ```
 */
import { randomInt } from "node:crypto";
import { formatFixed, parseFixed } from "../scoring/fixed.js";
import { decodeMessage, encodeHello, encodePing, encodeScore, ProtocolError } from "./codec.js";
import {
  BoardMismatchError,
  BoardRequestError,
  BoardUnreachableError,
  EVENT_STATUS_NAMES,
  EventStatus,
  type InFlightInfo,
} from "./errors.js";
import type { BoardProfile } from "./profile.js";
import { ErrorCode, MAX_EVENTS, MsgType, PROTOCOL_VERSION, REPLY_EVENT_BYTES, type ErrorInfo, type HelloInfo, type Message, type RawMessage } from "./protocol.js";
import { type HostTransport } from "./transport.js";
import { SerialHostTransport } from "./transport-serial.js";
import { ZmqHostTransport, type CurveClientKeys } from "./transport-zmq.js";

export interface BoardClientOptions {
  profile: BoardProfile;
  /** Endpoint or device path overriding the profile's (e.g. the emulator's /dev/pts/N). */
  address?: string;
  /** Require this model id in HELLO (besides the profile's own `modelId`, if any). */
  expectModelId?: string;
  /** Full CURVE keys for a ZeroMQ board (the profile only holds the server's public key). */
  curve?: CurveClientKeys;
  /** Custom transport factory (default: from the profile). Called again on every reconnect. */
  openTransport?: () => Promise<HostTransport>;
  /** Overrides of the profile's limits. */
  window?: number;
  replyTimeoutMs?: number;
  retries?: number;
  reconnects?: number;
  /** How many recent round trips to keep for error reports. */
  rttHistory?: number;
}

/** A batch to score: n events, features row-major n × nFeatures raw input bits. */
export interface BoardBatchInput {
  n: number;
  /** One orbit number for all events, or one per event. */
  orbit: number | Uint32Array;
  bx: Uint16Array;
  features: Int32Array;
}

/** One SCORE request as it went over the wire (a batch larger than maxBatch is split). */
export interface RequestRecord {
  seq: number;
  /** Index of its first event in the batch. */
  first: number;
  n: number;
  attempts: number;
  /** hrtime (ns) of the last send and of the reply; recvNs is 0n when none came. */
  sendNs: bigint;
  recvNs: bigint;
  error?: BoardRequestError;
}

export interface BoardBatchResult {
  n: number;
  orbit: Uint32Array;
  bx: Uint16Array;
  /** EventStatus per event (names in EVENT_STATUS_NAMES). */
  status: Uint8Array;
  /** Raw score bits in the board's output format (0 where failed). */
  score: Int32Array;
  flags: Uint8Array;
  ingressCycle: Float64Array;
  egressCycle: Float64Array;
  scored: number;
  failed: number;
  /** Failed events by reason name. */
  failures: Record<string, number>;
  requests: RequestRecord[];
  clockMHz: number;
}

export interface ClientStats {
  requests: number;
  replies: number;
  retries: number;
  timeouts: number;
  gapResends: number;
  badMessages: number;
  crcErrors: number;
  unmatchedReplies: number;
  boardErrors: number;
  pings: number;
  /** HELLOs redone after a silence to confirm the board's identity. */
  helloChecks: number;
  /** PONGs or replies whose cycle counter went backwards: the board was reset or replaced. */
  boardResets: number;
  /** PONGs that did not echo the PING's token. */
  badPongs: number;
  /** HELLOs that showed another board or model than the run's first (the run stops there). */
  identityChanges: number;
  reconnects: number;
  failedEvents: number;
  transportFaults: Record<string, number>;
}

interface Pending {
  seq: number;
  raw: RawMessage;
  expect: number;
  events: number;
  attempts: number;
  maxAttempts: number;
  timeoutMs: number;
  /** Order of the latest send across all requests: detects replies overtaking older requests. */
  sendOrder: number;
  firstSendNs: bigint;
  sendNs: bigint;
  /** performance.now() of the last send: was anything heard from the board since? */
  sentAtMs: number;
  timer: NodeJS.Timeout | null;
  /** Score requests get liveness checks and reconnects; HELLO/PING just retry. */
  isScore: boolean;
  settle: (outcome: { msg: Message; recvNs: bigint } | { fail: BoardRequestError; status: EventStatus }) => void;
}

/** A reply wait never grows beyond this, however slow the replies seen so far. */
const MAX_REPLY_WAIT_MS = 60_000;
/** Timeouts stretch the wait at most this much: a board that is gone must still be noticed soon. */
const MAX_BACKOFF = 4;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function canonicalFormat(spec: string): string | null {
  try {
    return formatFixed(parseFixed(spec));
  } catch {
    return null;
  }
}

/** Compare HELLO with what the profile promises; every difference is listed. */
export function checkHello(hello: HelloInfo, profile: BoardProfile, expectModelId?: string): string[] {
  const problems: string[] = [];
  if (hello.protocolVersion !== PROTOCOL_VERSION) problems.push(`protocol version ${hello.protocolVersion}, host speaks ${PROTOCOL_VERSION}`);
  const inFmt = canonicalFormat(hello.inputFormat);
  if (inFmt !== profile.inputFormat) problems.push(`input format ${hello.inputFormat}, profile says ${profile.inputFormat}`);
  const outFmt = canonicalFormat(hello.outputFormat);
  if (outFmt !== profile.outputFormat) problems.push(`output format ${hello.outputFormat}, profile says ${profile.outputFormat}`);
  if (hello.nFeatures !== profile.nFeatures) problems.push(`${hello.nFeatures} features, profile says ${profile.nFeatures}`);
  if (hello.maxBatch < 1 || hello.maxBatch > MAX_EVENTS) problems.push(`board max batch is ${hello.maxBatch}, the protocol allows 1..${MAX_EVENTS}`);
  if (Math.round(profile.clockMHz * 1000) !== hello.clockKHz) problems.push(`clock ${hello.clockKHz / 1000} MHz, profile says ${profile.clockMHz} MHz`);
  for (const want of [profile.modelId, expectModelId]) {
    if (want !== undefined && hello.modelId !== want) problems.push(`model ${hello.modelId || "(none)"}, expected ${want}`);
  }
  if (profile.firmware?.id && hello.firmwareId !== profile.firmware.id) problems.push(`firmware ${hello.firmwareId}, profile says ${profile.firmware.id}`);
  if (profile.firmware?.hash && hello.firmwareHash !== profile.firmware.hash) problems.push(`firmware hash ${hello.firmwareHash}, profile says ${profile.firmware.hash}`);
  return problems;
}

/** Identity fields of a HELLO that must stay the same for the whole run. */
const IDENTITY_FIELDS = [
  "protocolVersion", "boardName", "firmwareId", "firmwareHash", "modelId", "inputFormat", "outputFormat",
  "nFeatures", "maxBatch", "clockKHz", "latencyCycles", "initiationInterval",
] as const;

/** How a later HELLO differs from the run's first one; empty = the same board and model. */
export function identityChanges(first: HelloInfo, now: HelloInfo): string[] {
  return IDENTITY_FIELDS.filter((k) => first[k] !== now[k]).map((k) => `${k} ${JSON.stringify(first[k])} → ${JSON.stringify(now[k])}`);
}

/**
 * Does a reply echo at least one event of this request? (SCORE payload: u32 n, u16 F, u16, then
 * per event u32 orbit, u16 bx, u16, F × i32.) None at all: it answers another request.
 */
function echoesRequest(reply: { n: number; orbit: Uint32Array; bx: Uint16Array }, raw: RawMessage): boolean {
  const pl = raw.payload;
  if (pl.length < 8 || reply.n === 0) return true;
  const n = Math.min(pl.readUInt32LE(0), reply.n);
  const stride = 8 + 4 * pl.readUInt16LE(4);
  for (let i = 0, off = 8; i < n && off + 6 <= pl.length; i++, off += stride) {
    if (reply.orbit[i] === pl.readUInt32LE(off) && reply.bx[i] === pl.readUInt16LE(off + 4)) return true;
  }
  return false;
}

/** ERROR replies in a row that make the host ask the board who it is again. */
const ERROR_BURST = 3;

/** Board ERROR codes that mean the request was damaged on the way (or the board is busy): resend. */
const TRANSIENT_ERRORS: ReadonlySet<number> = new Set([ErrorCode.BUSY, ErrorCode.BAD_CRC, ErrorCode.BAD_LENGTH, ErrorCode.BAD_MAGIC]);

export class BoardClient {
  private transport: HostTransport | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = randomInt(1, 0x7fffffff);
  private sendCounter = 0;
  private inFlight = 0;
  private readonly windowWaiters: Array<(ok: boolean) => void> = [];
  private readonly rtts: number[] = [];
  private lastRxMs = performance.now();
  /** Highest board cycle counter seen in replies (a later, lower one means the board was reset). */
  private boardCycleSeen = 0;
  private reconnecting: Promise<boolean> | null = null;
  private liveness: Promise<boolean> | null = null;
  private down = false;
  private lastReconnectTry = 0;
  private closed = false;
  private helloInfo!: HelloInfo;
  /** The run's first HELLO: every later one is compared with it. */
  private firstHello: HelloInfo | null = null;
  /** Set when the board's identity changed: every event from then on fails as board-changed. */
  private identityLost: string | null = null;
  private errorsInARow = 0;
  /** The link re-established a session by itself: confirm who answers before trusting replies. */
  private identityDue = false;
  private identityCheck: Promise<boolean> | null = null;
  private readonly openTransport: () => Promise<HostTransport>;
  private readonly window: number;
  private readonly replyTimeoutMs: number;
  private readonly retries: number;
  private readonly reconnects: number;
  private readonly rttHistory: number;
  /** Smoothed SCORE reply time and its deviation (ms; 0 until the first reply). */
  private srttMs = 0;
  private rttvarMs = 0;
  /** Doubled by every SCORE timeout (up to MAX_BACKOFF), back to 1 by the next clean reply. */
  private backoff = 1;
  private readonly counters = {
    requests: 0, replies: 0, retries: 0, timeouts: 0, gapResends: 0, badMessages: 0, crcErrors: 0,
    unmatchedReplies: 0, boardErrors: 0, pings: 0, helloChecks: 0, boardResets: 0, reconnects: 0, failedEvents: 0,
    badPongs: 0, identityChanges: 0,
  };
  private readonly faultTotals: Record<string, number> = {};

  private constructor(
    readonly profile: BoardProfile,
    private readonly opts: BoardClientOptions,
  ) {
    this.window = opts.window ?? profile.window;
    this.replyTimeoutMs = opts.replyTimeoutMs ?? profile.timeouts.replyMs;
    this.retries = opts.retries ?? profile.retries;
    this.reconnects = opts.reconnects ?? profile.reconnects;
    this.rttHistory = opts.rttHistory ?? 32;
    this.openTransport = opts.openTransport ?? (() => defaultTransport(profile, opts.address, opts.curve));
  }

  /** Open the transport, exchange HELLO and check it against the profile — before any data. */
  static async connect(opts: BoardClientOptions): Promise<BoardClient> {
    const client = new BoardClient(opts.profile, opts);
    try {
      await client.attach();
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /** What the board said about itself. */
  get hello(): HelloInfo {
    return this.helloInfo;
  }

  /** Largest batch per SCORE request (the smaller of profile and board). */
  get maxBatch(): number {
    return Math.min(this.profile.maxBatch, this.helloInfo.maxBatch);
  }

  get address(): string {
    return this.transport?.address ?? this.opts.address ?? "";
  }

  /** Recent host round trips in ms, newest last. */
  recentRttsMs(): number[] {
    return this.rtts.slice();
  }

  stats(): ClientStats {
    const faults = { ...this.faultTotals };
    for (const [k, v] of Object.entries(this.transport?.faults ?? {})) faults[k] = (faults[k] ?? 0) + v;
    return { ...this.counters, transportFaults: faults };
  }

  // ---- connection ----

  private async attach(): Promise<void> {
    const t = await this.openTransport();
    if (this.closed) {
      await t.close();
      throw new BoardUnreachableError("client closed");
    }
    this.transport = t;
    t.onSession?.((what) => {
      this.identityDue = true;
      if (what === "new") void this.confirmIdentity();
    });
    void this.readLoop(t);
    let msg: Message;
    try {
      msg = await this.request(encodeHello(this.nextSeq()), MsgType.HELLO_REPLY, this.profile.timeouts.helloMs, 2);
    } catch (err) {
      throw new BoardUnreachableError(`no HELLO from board ${this.profile.name} at ${t.address}: ${(err as Error).message}`);
    }
    if (msg.type !== MsgType.HELLO_REPLY) throw new BoardUnreachableError(`board ${this.profile.name} answered HELLO with type 0x${msg.type.toString(16)}`);
    if (this.firstHello) {
      const changes = identityChanges(this.firstHello, msg.hello);
      if (changes.length > 0) {
        this.loseIdentity(`after reconnect: ${changes.join("; ")}`);
        throw new BoardMismatchError(this.profile.name, [`identity changed across reconnect: ${changes.join("; ")}`]);
      }
    }
    const problems = checkHello(msg.hello, this.profile, this.opts.expectModelId);
    if (problems.length > 0) throw new BoardMismatchError(this.profile.name, problems);
    this.firstHello ??= msg.hello;
    this.helloInfo = msg.hello;
    this.down = false;
  }

  private async dropTransport(): Promise<void> {
    const t = this.transport;
    this.transport = null;
    if (t) {
      for (const [k, v] of Object.entries(t.faults)) this.faultTotals[k] = (this.faultTotals[k] ?? 0) + v;
      await t.close().catch(() => undefined);
    }
  }

  private async readLoop(t: HostTransport): Promise<void> {
    try {
      for await (const raw of t) this.onMessage(raw);
    } catch {
      if (t === this.transport && !this.closed) void this.reconnect();
    }
  }

  /**
   * Replace the transport and redo HELLO, up to `reconnects` times with growing back-off; then
   * resend everything in flight. When it fails the client is down: pending requests fail as
   * "disconnected" and new batches fail at once (one quick retry per ping period).
   */
  private reconnect(): Promise<boolean> {
    if (this.reconnecting) return this.reconnecting;
    this.reconnecting = (async () => {
      const score = [...this.pending.values()].filter((p) => p.isScore);
      for (const p of score) if (p.timer) clearTimeout(p.timer);
      // Control requests (HELLO/PING) of the old link are pointless now.
      for (const p of [...this.pending.values()]) if (!p.isScore) this.failPending(p, EventStatus.DISCONNECTED, "link lost");
      await this.dropTransport();
      for (let attempt = 1; attempt <= this.reconnects && !this.closed && !this.identityLost; attempt++) {
        this.counters.reconnects++;
        await sleep(Math.min(1000, 50 * attempt));
        try {
          await this.attach();
          for (const p of this.pending.values()) if (p.isScore) this.transmit(p);
          return true;
        } catch (err) {
          await this.dropTransport();
          if (err instanceof BoardMismatchError) break;
        }
      }
      this.down = true;
      this.lastReconnectTry = performance.now();
      if (this.identityLost) return false;
      for (const p of [...this.pending.values()]) this.failPending(p, EventStatus.DISCONNECTED, `board ${this.profile.name} disconnected and did not come back`);
      return false;
    })().finally(() => {
      this.reconnecting = null;
    });
    return this.reconnecting;
  }

  // ---- requests ----

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  /** Send (or resend) a pending request and arm its timeout. */
  private transmit(p: Pending): void {
    const t = this.transport;
    if (p.timer) clearTimeout(p.timer);
    p.attempts++;
    p.sendOrder = ++this.sendCounter;
    p.sendNs = process.hrtime.bigint();
    p.sentAtMs = performance.now();
    // On a paced line the frame may wait behind others: the wait for the reply starts when it has
    // left (re-armed below); until then a generous guard covers what is queued ahead of it.
    p.timer = setTimeout(() => this.onTimeout(p), this.replyWaitMs(p) + (t?.backlogMs?.() ?? 0));
    if (!t) return; // a reconnect is under way; it resends everything pending
    const attempt = p.attempts;
    t.send(p.raw).then(
      () => {
        if (this.pending.get(p.seq) !== p || p.attempts !== attempt || !p.timer) return;
        clearTimeout(p.timer);
        p.sentAtMs = performance.now();
        p.timer = setTimeout(() => this.onTimeout(p), this.replyWaitMs(p));
      },
      () => {
        if (t === this.transport && !this.closed) void this.reconnect();
      },
    );
  }

  /**
   * How long a SCORE waits for its reply once it has left: the profile's timeout, or more when
   * replies have been seen to take longer (smoothed reply time + 4 deviations, as TCP's RFC 6298 —
   * a loaded host or board is slow, not lost), times a back-off that doubles on each timeout.
   */
  private replyWaitMs(p: Pending): number {
    if (!p.isScore) return p.timeoutMs;
    return Math.min(Math.max(p.timeoutMs, this.srttMs + 4 * this.rttvarMs) * this.backoff, MAX_REPLY_WAIT_MS);
  }

  /**
   * A first-attempt SCORE's reply time after its frame left (Karn: the reply to a resent request
   * may answer either copy, so it is no sample); a sample ends the back-off.
   */
  private sampleReplyTime(ms: number): void {
    this.backoff = 1;
    if (this.srttMs === 0) {
      this.srttMs = ms;
      this.rttvarMs = ms / 2;
    } else {
      this.rttvarMs = 0.75 * this.rttvarMs + 0.25 * Math.abs(this.srttMs - ms);
      this.srttMs = 0.875 * this.srttMs + 0.125 * ms;
    }
  }

  /** Line time of the replies still owed on an ordered (serial) link: a PONG queues behind them. */
  private inboundBacklogMs(): number {
    const t = this.transport;
    if (!t || !t.ordered) return 0;
    let bytes = 0;
    for (const q of this.pending.values()) if (q.isScore) bytes += 28 + q.events * REPLY_EVENT_BYTES;
    return t.wireMs(bytes);
  }

  /** HELLO/PING style request: retry on timeout, resolve with the reply, reject on giving up. */
  private request(raw: RawMessage, expect: number, timeoutMs: number, maxAttempts: number): Promise<Message> {
    return new Promise((resolve, reject) => {
      const p = this.newPending(raw, expect, 0, timeoutMs, maxAttempts, false, (o) => ("msg" in o ? resolve(o.msg) : reject(o.fail)));
      this.transmit(p);
    });
  }

  private newPending(
    raw: RawMessage, expect: number, events: number, timeoutMs: number, maxAttempts: number, isScore: boolean, settle: Pending["settle"],
  ): Pending {
    const seq = raw.header.readUInt32LE(8);
    const now = process.hrtime.bigint();
    const p: Pending = { seq, raw, expect, events, attempts: 0, maxAttempts, timeoutMs, sendOrder: 0, firstSendNs: now, sendNs: now, sentAtMs: 0, timer: null, isScore, settle };
    this.pending.set(seq, p);
    return p;
  }

  private finish(p: Pending): boolean {
    if (this.pending.get(p.seq) !== p) return false;
    this.pending.delete(p.seq);
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    return true;
  }

  private makeError(p: Pending, reason: EventStatus, message: string, boardError?: ErrorInfo): BoardRequestError {
    const now = process.hrtime.bigint();
    const inFlight: InFlightInfo[] = [...this.pending.values()].map((q) => ({
      seq: q.seq, events: q.events, attempts: q.attempts, ageMs: Number(now - q.firstSendNs) / 1e6,
    }));
    return new BoardRequestError(EVENT_STATUS_NAMES[reason]!, message, p.seq, p.attempts, inFlight, this.recentRttsMs(), p.raw, boardError);
  }

  private failPending(p: Pending, status: EventStatus, message: string, boardError?: ErrorInfo): void {
    const error = this.makeError(p, status, `seq ${p.seq}: ${message}`, boardError);
    if (!this.finish(p)) return;
    p.settle({ fail: error, status });
  }

  private onTimeout(p: Pending): void {
    p.timer = null;
    // A reply may already sit unread behind a busy event loop (timers run before I/O): let the
    // poll phase deliver it before giving a verdict.
    setImmediate(() => this.timedOut(p));
  }

  private timedOut(p: Pending): void {
    if (this.pending.get(p.seq) !== p || this.closed || p.timer) return;
    this.counters.timeouts++;
    if (p.attempts >= p.maxAttempts) {
      this.failPending(p, EventStatus.TIMEOUT, `no reply after ${p.attempts} attempts (last wait ${Math.round(this.replyWaitMs(p))} ms)`);
      return;
    }
    if (p.isScore) this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
    if (!p.isScore) {
      this.counters.retries++;
      this.transmit(p);
      return;
    }
    if (this.reconnecting) return; // the reconnect resends it
    // Nothing at all heard from the board for a whole timeout: is it there? Ask with PING.
    // Nothing heard since this was sent: lost request, or a board that is gone or was replaced?
    if (this.lastRxMs <= p.sentAtMs) {
      void this.checkLiveness().then((alive) => {
        if (alive) this.retry(p);
      });
    } else this.retry(p);
  }

  private retry(p: Pending): void {
    if (this.pending.get(p.seq) !== p || this.closed) return;
    this.counters.retries++;
    this.transmit(p);
  }

  /**
   * After a silence: PING, then HELLO again — the board may have been reset or replaced on the
   * same endpoint (ZeroMQ reconnects by itself). No PONG or no HELLO → reconnect; a cycle counter
   * that went backwards is counted as a reset; a different identity → the client goes down. One check at a time, shared by all waiters.
   */
  private checkLiveness(): Promise<boolean> {
    if (this.liveness) return this.liveness;
    this.liveness = (async () => {
      try {
        const reset = await this.probe(this.profile.timeouts.pingMs);
        if (reset) this.counters.boardResets++;
        const msg = await this.request(encodeHello(this.nextSeq()), MsgType.HELLO_REPLY, this.profile.timeouts.helloMs, 1);
        if (msg.type !== MsgType.HELLO_REPLY) throw new Error("no HELLO_REPLY");
        this.counters.helloChecks++;
        const changes = identityChanges(this.firstHello ?? this.helloInfo, msg.hello);
        if (changes.length > 0) {
          this.loseIdentity(changes.join("; "));
          return false;
        }
        return true;
      } catch {
        if (!this.closed) void this.reconnect();
        return false;
      }
    })().finally(() => {
      this.liveness = null;
    });
    return this.liveness;
  }

  /**
   * The board is not the one the run started with: fail everything pending and everything to come
   * as board-changed (never mix its scores in under the old identity), and say what changed.
   */
  private loseIdentity(what: string): void {
    if (this.identityLost) return;
    this.identityLost = `board ${this.profile.name} changed identity mid-run (${what})`;
    this.counters.identityChanges++;
    this.down = true;
    for (const q of [...this.pending.values()]) this.failPending(q, q.isScore ? EventStatus.BOARD_CHANGED : EventStatus.DISCONNECTED, this.identityLost);
  }

  /** Up and trusted now: not closed, not down after failed reconnects, not reconnecting, identity not lost. */
  get usable(): boolean {
    return !this.closed && !this.down && !this.reconnecting && !this.identityLost;
  }

  /** Why the board's identity was lost mid-run, or null. */
  get identityLostReason(): string | null {
    return this.identityLost;
  }

  /**
   * A sign that the board restarted (cycle counter backwards, a burst of ERRORs): ask it who it is
   * before trusting more of its replies. Shared by all waiters; true = still the same board.
   */
  private confirmIdentity(): Promise<boolean> {
    if (this.identityLost) return Promise.resolve(false);
    this.identityCheck ??= (async () => {
      this.identityDue = false;
      try {
        const msg = await this.request(encodeHello(this.nextSeq()), MsgType.HELLO_REPLY, this.profile.timeouts.helloMs + this.inboundBacklogMs(), 2);
        if (msg.type !== MsgType.HELLO_REPLY) return false;
        this.counters.helloChecks++;
        const changes = identityChanges(this.firstHello ?? this.helloInfo, msg.hello);
        if (changes.length > 0) this.loseIdentity(changes.join("; "));
        return changes.length === 0;
      } catch {
        // No answer: who sent the reply being held is unknown, so it does not count.
        this.identityDue = true;
        return false;
      }
    })().finally(() => {
      this.identityCheck = null;
    });
    return this.identityCheck;
  }

  /** Round trip of a PING in ns; rejects when no PONG comes in time. */
  async ping(timeoutMs = this.profile.timeouts.pingMs): Promise<number> {
    const t0 = process.hrtime.bigint();
    await this.probe(timeoutMs);
    return Number(process.hrtime.bigint() - t0);
  }

  /** PING the board; true when its cycle counter is behind what it already reported (a reset). */
  private async probe(timeoutMs: number): Promise<boolean> {
    this.counters.pings++;
    const token = process.hrtime.bigint();
    const msg = await this.request(encodePing(this.nextSeq(), token), MsgType.PONG, timeoutMs + this.inboundBacklogMs(), 1);
    if (msg.type !== MsgType.PONG) return false;
    if (msg.pong.token !== token) {
      this.counters.badPongs++;
      throw new Error(`PONG carries token ${msg.pong.token}, the PING sent ${token}`);
    }
    const cycle = Number(msg.pong.boardCycle);
    const reset = cycle < this.boardCycleSeen;
    this.boardCycleSeen = cycle;
    return reset;
  }

  private onMessage(raw: RawMessage): void {
    const recvNs = process.hrtime.bigint();
    this.lastRxMs = performance.now();
    let msg: Message;
    try {
      msg = decodeMessage(raw);
    } catch (err) {
      this.counters.badMessages++;
      if (err instanceof ProtocolError && err.code === ErrorCode.BAD_CRC) this.counters.crcErrors++;
      return;
    }
    const p = this.pending.get(msg.seq);
    if (!p) {
      this.counters.unmatchedReplies++; // late duplicate after a retry, or a reply to a failed request
      return;
    }
    if (msg.type === MsgType.ERROR) {
      this.counters.boardErrors++;
      if (++this.errorsInARow === ERROR_BURST) void this.confirmIdentity();
      const transient = TRANSIENT_ERRORS.has(msg.error.code);
      if (transient && p.attempts < p.maxAttempts) {
        // The request was damaged in transit or the board is busy: try again shortly.
        if (p.timer) clearTimeout(p.timer);
        p.timer = setTimeout(() => this.retry(p), 5);
        return;
      }
      this.failPending(p, EventStatus.BOARD_ERROR, `board error ${msg.error.code}: ${msg.error.text}`, msg.error);
      return;
    }
    if (msg.type !== p.expect) {
      this.counters.badMessages++;
      return;
    }
    this.errorsInARow = 0;
    if (msg.type === MsgType.SCORE_REPLY && !echoesRequest(msg.reply, p.raw)) {
      // Another request's reply under this seq (a board that got the seq wrong, or a late reply
      // of an earlier session): never the scores of these events; keep waiting for the real one.
      this.counters.unmatchedReplies++;
      return;
    }
    if (p.isScore && this.transport?.ordered) this.resendOvertaken(p);
    if (!this.finish(p)) return;
    this.counters.replies++;
    if (p.isScore && p.attempts === 1) this.sampleReplyTime(performance.now() - p.sentAtMs);
    const rttMs = Number(recvNs - p.sendNs) / 1e6;
    this.rtts.push(rttMs);
    if (this.rtts.length > this.rttHistory) this.rtts.shift();
    p.settle({ msg, recvNs });
  }

  /** On an ordered link a reply overtaking an older request means that request or its reply was lost. */
  private resendOvertaken(answered: Pending): void {
    for (const q of this.pending.values()) {
      if (q !== answered && q.isScore && q.sendOrder < answered.sendOrder && q.attempts < q.maxAttempts) {
        this.counters.gapResends++;
        this.counters.retries++;
        this.transmit(q);
      }
    }
  }

  // ---- window ----

  private acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.inFlight < this.window) {
      this.inFlight++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.windowWaiters.push(resolve));
  }

  private release(): void {
    const next = this.windowWaiters.shift();
    if (next) next(!this.closed);
    else this.inFlight--;
  }

  // ---- scoring ----

  /**
   * Score a batch (split into requests of at most maxBatch events, up to `window` in flight).
   * Never rejects because of the board: failed events carry a status and the request a
   * BoardRequestError. Rejects only on bad arguments.
   */
  async score(input: BoardBatchInput): Promise<BoardBatchResult> {
    const nF = this.helloInfo.nFeatures;
    const { n } = input;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`batch size must be a non-negative integer, got ${n}`);
    if (input.bx.length < n) throw new RangeError(`bx has ${input.bx.length} entries for ${n} events`);
    if (input.features.length < n * nF) throw new RangeError(`features has ${input.features.length} values; ${n} events × ${nF} features need ${n * nF}`);
    const orbit = typeof input.orbit === "number" ? new Uint32Array(n).fill(input.orbit) : input.orbit;
    if (orbit.length < n) throw new RangeError(`orbit has ${orbit.length} entries for ${n} events`);

    const res: BoardBatchResult = {
      n,
      orbit: orbit.subarray(0, n),
      bx: input.bx.subarray(0, n),
      status: new Uint8Array(n),
      score: new Int32Array(n),
      flags: new Uint8Array(n),
      ingressCycle: new Float64Array(n),
      egressCycle: new Float64Array(n),
      scored: 0,
      failed: 0,
      failures: {},
      requests: [],
      clockMHz: this.helloInfo.clockKHz / 1000,
    };
    const step = this.maxBatch;
    const chunks: Promise<void>[] = [];
    for (let first = 0; first < n; first += step) {
      const count = Math.min(step, n - first);
      const rec: RequestRecord = { seq: 0, first, n: count, attempts: 0, sendNs: 0n, recvNs: 0n };
      res.requests.push(rec);
      const ok = await this.acquire();
      if (!ok) {
        res.status.fill(EventStatus.CLOSED, first, first + count);
        continue;
      }
      chunks.push(this.scoreChunk(res, rec, orbit, input.bx, input.features).finally(() => this.release()));
    }
    await Promise.all(chunks);
    for (let i = 0; i < n; i++) {
      const s = res.status[i]!;
      if (s === EventStatus.SCORED) res.scored++;
      else {
        const name = EVENT_STATUS_NAMES[s] ?? `status-${s}`;
        res.failures[name] = (res.failures[name] ?? 0) + 1;
      }
    }
    res.failed = n - res.scored;
    this.counters.failedEvents += res.failed;
    return res;
  }

  private async scoreChunk(res: BoardBatchResult, rec: RequestRecord, orbit: Uint32Array, bx: Uint16Array, features: Int32Array): Promise<void> {
    const { first, n } = rec;
    if (this.closed) {
      res.status.fill(EventStatus.CLOSED, first, first + n);
      return;
    }
    if (this.identityLost) {
      res.status.fill(EventStatus.BOARD_CHANGED, first, first + n);
      return;
    }
    if (this.down) {
      // Down after failed reconnects: one quick attempt per ping period, otherwise fail fast.
      const now = performance.now();
      if (now - this.lastReconnectTry < this.profile.timeouts.pingMs || !(await this.reconnect())) {
        res.status.fill(EventStatus.DISCONNECTED, first, first + n);
        return;
      }
    }
    const raw = encodeScore(this.nextSeq(), orbit, bx, features, this.helloInfo.nFeatures, first, n);
    rec.seq = raw.header.readUInt32LE(8);
    this.counters.requests++;
    // On a slow line the wait includes moving this request and its reply, behind up to a
    // window's worth of others.
    const wire = this.transport ? this.transport.wireMs(raw.header.length + raw.payload.length + 28 + n * REPLY_EVENT_BYTES) : 0;
    const timeoutMs = this.replyTimeoutMs + this.window * wire;
    let p!: Pending;
    const outcome = await new Promise<Parameters<Pending["settle"]>[0]>((resolve) => {
      p = this.newPending(raw, MsgType.SCORE_REPLY, n, timeoutMs, 1 + this.retries, true, resolve);
      this.transmit(p);
    });
    rec.attempts = p.attempts;
    rec.sendNs = p.sendNs;
    if ("fail" in outcome) {
      rec.error = outcome.fail;
      res.status.fill(outcome.status, first, first + n);
      return;
    }
    rec.recvNs = outcome.recvNs;
    const msg = outcome.msg;
    if (msg.type !== MsgType.SCORE_REPLY || msg.reply.n !== n) {
      rec.error = this.makeError(p, EventStatus.BAD_REPLY, `seq ${p.seq}: reply holds ${msg.type === MsgType.SCORE_REPLY ? msg.reply.n : "no"} events, request had ${n}`);
      res.status.fill(EventStatus.BAD_REPLY, first, first + n);
      return;
    }
    const r = msg.reply;
    // Cycle counter far behind what the board already reported: it restarted (or another board
    // answers). Confirm who it is before these scores count.
    const slack = this.window * this.maxBatch * Math.max(1, this.helloInfo.initiationInterval) + this.helloInfo.latencyCycles;
    const restarted = n > 0 && r.ingressCycle[0]! + slack < this.boardCycleSeen;
    if (restarted || this.identityDue || this.identityCheck) {
      if (restarted) this.counters.boardResets++, (this.boardCycleSeen = 0);
      if (!(await this.confirmIdentity())) {
        // Another identity: board-changed. No answer to HELLO at all: the board is gone, not changed.
        const status = this.identityLost ? EventStatus.BOARD_CHANGED : EventStatus.DISCONNECTED;
        rec.error = this.makeError(p, status, `seq ${p.seq}: ${this.identityLost ?? "no HELLO answer to confirm the board's identity"}`);
        res.status.fill(status, first, first + n);
        return;
      }
    }
    for (let i = 0; i < n; i++) {
      const j = first + i;
      if (r.orbit[i] !== orbit[j] || r.bx[i] !== bx[j]) {
        res.status[j] = EventStatus.BAD_REPLY; // echo does not match: the score belongs to another event
        continue;
      }
      if (r.egressCycle[i]! > this.boardCycleSeen) this.boardCycleSeen = r.egressCycle[i]!;
      res.score[j] = r.score[i]!;
      res.flags[j] = r.flags[i]!;
      res.ingressCycle[j] = r.ingressCycle[i]!;
      res.egressCycle[j] = r.egressCycle[i]!;
    }
  }

  /** Fail everything pending as "closed" and close the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.values()]) this.failPending(p, EventStatus.CLOSED, "client closed");
    for (const w of this.windowWaiters.splice(0)) w(false);
    await this.dropTransport();
  }
}

/** The transport a profile describes. */
export function defaultTransport(profile: BoardProfile, address?: string, curve?: CurveClientKeys): Promise<HostTransport> {
  const t = profile.transport;
  if (t.kind === "zmq") {
    const keys = curve ?? (t.curve ? { serverPublicKey: t.curve.serverPublicKey } : undefined);
    return Promise.resolve(new ZmqHostTransport(address ?? t.endpoint, keys));
  }
  return SerialHostTransport.open({ path: address ?? t.path, baudRate: t.baudRate, flowControl: t.flowControl, pacing: t.pacing });
}
