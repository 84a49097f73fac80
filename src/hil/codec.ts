/**
 * Encode/decode of board protocol v1 messages (layout: docs/board-protocol.md). Decoding
 * validates magic, version, type, the length bound and CRC-32 before touching the payload, and
 * checks every count against the payload size before allocating: bad bytes raise a
 * ProtocolError (with an ErrorCode), never a crash or an unbounded allocation.
 */
import { endianness } from "node:os";
import { crc32 } from "node:zlib";
import { native } from "../native.js";
import {
  ErrorCode,
  HEADER_BYTES,
  MAGIC,
  MAX_ERROR_TEXT,
  MAX_EVENTS,
  MAX_FEATURES,
  MAX_PAYLOAD,
  MsgType,
  PROTOCOL_VERSION,
  REPLY_EVENT_BYTES,
  SCORE_EVENT_PREFIX,
  type ErrorInfo,
  type Header,
  type HelloInfo,
  type Message,
  type PongInfo,
  type RawMessage,
  type ScoreReply,
  type ScoreRequest,
} from "./protocol.js";

// Features are copied through Int32Array views, which use host byte order; the wire is little-endian.
if (endianness() !== "LE") throw new Error("scoutloop hil codec: big-endian hosts are not supported");

/** A malformed message: `code` says which check failed (same codes as ERROR messages). */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const HELLO_FIXED_BYTES = 20;
const TWO_32 = 4294967296;

/** CRC-32 (IEEE 802.3, as zlib/binascii) over header bytes 0..15 followed by the payload. */
export function messageCrc(header: Buffer, payload: Buffer): number {
  const head = crc32(header.subarray(0, 16));
  // An empty frame from zeromq may have a null data pointer, and zlib's crc32(crc, NULL, 0)
  // returns the initial value 0 instead of `crc`: skip empty payloads.
  return payload.length === 0 ? head : crc32(payload, head);
}

/** Wrap a payload in a header with the CRC filled in. */
export function encodeMessage(type: number, seq: number, payload: Buffer = Buffer.alloc(0)): RawMessage {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt8(PROTOCOL_VERSION, 4);
  header.writeUInt8(type, 5);
  header.writeUInt16LE(0, 6);
  header.writeUInt32LE(seq >>> 0, 8);
  header.writeUInt32LE(payload.length, 12);
  header.writeUInt32LE(messageCrc(header, payload), 16);
  return { header, payload };
}

/** Parse and check the fixed header (magic, version, length bound). */
export function decodeHeader(header: Buffer): Header {
  if (header.length !== HEADER_BYTES) throw new ProtocolError(ErrorCode.BAD_LENGTH, `header is ${header.length} bytes, expected ${HEADER_BYTES}`);
  const magic = header.readUInt32LE(0);
  if (magic !== MAGIC) throw new ProtocolError(ErrorCode.BAD_MAGIC, `bad magic 0x${magic.toString(16).padStart(8, "0")}`);
  const version = header.readUInt8(4);
  if (version !== PROTOCOL_VERSION) throw new ProtocolError(ErrorCode.BAD_VERSION, `protocol version ${version}, this side speaks ${PROTOCOL_VERSION}`);
  const length = header.readUInt32LE(12);
  if (length > MAX_PAYLOAD) throw new ProtocolError(ErrorCode.BAD_LENGTH, `payload length ${length} exceeds ${MAX_PAYLOAD}`);
  return { version, type: header.readUInt8(5), flags: header.readUInt16LE(6), seq: header.readUInt32LE(8), length, crc: header.readUInt32LE(16) };
}

/** Read just the sequence id of a header that passed decodeHeader (used to address ERROR replies). */
export function headerSeq(header: Buffer): number {
  return header.length >= 12 ? header.readUInt32LE(8) : 0;
}

// ---- HELLO ----

export function encodeHello(seq: number): RawMessage {
  return encodeMessage(MsgType.HELLO, seq);
}

const HELLO_STRINGS = ["boardName", "firmwareId", "firmwareHash", "modelId", "inputFormat", "outputFormat"] as const;

export function encodeHelloReply(seq: number, h: HelloInfo): RawMessage {
  const strings = HELLO_STRINGS.map((k) => {
    const b = Buffer.from(h[k], "utf8");
    if (b.length > 255) throw new RangeError(`HELLO ${k} is ${b.length} bytes; at most 255`);
    return b;
  });
  const p = Buffer.alloc(HELLO_FIXED_BYTES + strings.reduce((s, b) => s + 1 + b.length, 0));
  p.writeUInt16LE(h.protocolVersion, 0);
  p.writeUInt16LE(h.nFeatures, 2);
  p.writeUInt32LE(h.maxBatch, 4);
  p.writeUInt32LE(h.clockKHz, 8);
  p.writeUInt32LE(h.latencyCycles, 12);
  p.writeUInt16LE(h.initiationInterval, 16);
  p.writeUInt16LE(0, 18);
  let off = HELLO_FIXED_BYTES;
  for (const b of strings) {
    p.writeUInt8(b.length, off);
    b.copy(p, off + 1);
    off += 1 + b.length;
  }
  return encodeMessage(MsgType.HELLO_REPLY, seq, p);
}

function decodeHelloReply(p: Buffer): HelloInfo {
  if (p.length < HELLO_FIXED_BYTES) throw new ProtocolError(ErrorCode.BAD_LENGTH, `HELLO_REPLY payload ${p.length} bytes < ${HELLO_FIXED_BYTES}`);
  const out: Record<string, string> = {};
  let off = HELLO_FIXED_BYTES;
  for (const k of HELLO_STRINGS) {
    if (off >= p.length) throw new ProtocolError(ErrorCode.BAD_LENGTH, `HELLO_REPLY ends before field ${k}`);
    const len = p.readUInt8(off);
    if (off + 1 + len > p.length) throw new ProtocolError(ErrorCode.BAD_LENGTH, `HELLO_REPLY field ${k} runs past the payload`);
    out[k] = p.toString("utf8", off + 1, off + 1 + len);
    off += 1 + len;
  }
  if (off !== p.length) throw new ProtocolError(ErrorCode.BAD_LENGTH, `HELLO_REPLY has ${p.length - off} trailing bytes`);
  return {
    protocolVersion: p.readUInt16LE(0),
    nFeatures: p.readUInt16LE(2),
    maxBatch: p.readUInt32LE(4),
    clockKHz: p.readUInt32LE(8),
    latencyCycles: p.readUInt32LE(12),
    initiationInterval: p.readUInt16LE(16),
    boardName: out.boardName!,
    firmwareId: out.firmwareId!,
    firmwareHash: out.firmwareHash!,
    modelId: out.modelId!,
    inputFormat: out.inputFormat!,
    outputFormat: out.outputFormat!,
  };
}

// ---- SCORE ----

/** Bytes of a SCORE payload for n events of f features. */
export function scorePayloadBytes(n: number, f: number): number {
  return 8 + n * (SCORE_EVENT_PREFIX + 4 * f);
}

/** Encode events [first, first+n) of columnar arrays (features row-major, nFeatures per row). */
export function encodeScore(
  seq: number,
  orbit: Uint32Array,
  bx: Uint16Array | Uint32Array | Int32Array,
  features: Int32Array,
  nFeatures: number,
  first = 0,
  n = orbit.length - first,
): RawMessage {
  if (n < 0 || n > MAX_EVENTS) throw new RangeError(`SCORE batch of ${n} events; at most ${MAX_EVENTS}`);
  if (nFeatures < 1 || nFeatures > MAX_FEATURES) throw new RangeError(`nFeatures ${nFeatures} outside 1..${MAX_FEATURES}`);
  if ((first + n) * nFeatures > features.length || first + n > orbit.length || first + n > bx.length) {
    throw new RangeError("SCORE arrays are shorter than the requested event range");
  }
  const p = alignedBuffer(scorePayloadBytes(n, nFeatures));
  if (orbit instanceof Uint32Array && bx instanceof Uint16Array) native.hilPackScore(orbit, bx, features, nFeatures, first, n, p);
  else packScoreReference(p, orbit, bx, features, nFeatures, first, n);
  return encodeMessage(MsgType.SCORE, seq, p);
}

/** The TS reference of the SCORE payload (native/hil_codec.cc hilPackScore writes the same bytes). */
export function packScoreReference(
  p: Buffer, orbit: Uint32Array, bx: Uint16Array | Uint32Array | Int32Array, features: Int32Array, nFeatures: number, first: number, n: number,
): void {
  const words = new Int32Array(p.buffer, p.byteOffset, p.length >> 2);
  const stride = (SCORE_EVENT_PREFIX >> 2) + nFeatures;
  words[0] = n;
  words[1] = nFeatures; // u16 nFeatures + u16 reserved (0)
  // Plain loops: per-row subarray() objects would cost more than the 57 copies they replace.
  for (let i = 0; i < n; i++) {
    const base = 2 + i * stride;
    words[base] = orbit[first + i]! | 0;
    words[base + 1] = bx[first + i]! & 0xffff;
    const src = (first + i) * nFeatures;
    for (let k = 0; k < nFeatures; k++) words[base + 2 + k] = features[src + k]!;
  }
}

/**
 * An uninitialised buffer whose start is 4-byte aligned, for Int32Array/Uint32Array views. Small
 * ones come from Node's pool (slices are 8-byte aligned; checked anyway), large ones stand alone.
 */
function alignedBuffer(bytes: number): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  return b.byteOffset % 4 === 0 ? b : Buffer.allocUnsafeSlow(bytes);
}

/** An Int32Array view of a buffer, copying first if it is not 4-byte aligned. */
function int32Words(p: Buffer): Int32Array {
  const b = p.byteOffset % 4 === 0 ? p : Buffer.from(p);
  return new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
}

/**
 * Arrays a board reuses for every SCORE it decodes (it scores each request before reading the
 * next): no per-request allocation of ~0.8 MB per orbit, no page faults on fresh memory.
 */
export class ScoreScratch {
  orbit = new Uint32Array(0);
  bx = new Uint16Array(0);
  features = new Int32Array(0);
  /** Views of at least n events of nF features (grown, never shrunk). */
  take(n: number, nF: number): { orbit: Uint32Array; bx: Uint16Array; features: Int32Array } {
    if (this.orbit.length < n) (this.orbit = new Uint32Array(n)), (this.bx = new Uint16Array(n));
    if (this.features.length < n * nF) this.features = new Int32Array(n * nF);
    return { orbit: this.orbit.subarray(0, n), bx: this.bx.subarray(0, n), features: this.features.subarray(0, n * nF) };
  }
}

function decodeScore(p: Buffer, scratch?: ScoreScratch): ScoreRequest {
  if (p.length < 8) throw new ProtocolError(ErrorCode.BAD_LENGTH, `SCORE payload ${p.length} bytes < 8`);
  const n = p.readUInt32LE(0);
  const nFeatures = p.readUInt16LE(4);
  if (n > MAX_EVENTS) throw new ProtocolError(ErrorCode.BATCH_TOO_LARGE, `SCORE batch of ${n} events; at most ${MAX_EVENTS}`);
  if (nFeatures < 1 || nFeatures > MAX_FEATURES) throw new ProtocolError(ErrorCode.BAD_FEATURE_COUNT, `SCORE nFeatures ${nFeatures} outside 1..${MAX_FEATURES}`);
  const want = scorePayloadBytes(n, nFeatures);
  if (p.length !== want) throw new ProtocolError(ErrorCode.BAD_LENGTH, `SCORE payload ${p.length} bytes; ${n} events × ${nFeatures} features need ${want}`);
  const { orbit, bx, features } = scratch ? scratch.take(n, nFeatures) : { orbit: new Uint32Array(n), bx: new Uint16Array(n), features: new Int32Array(n * nFeatures) };
  native.hilUnpackScore(p, n, nFeatures, orbit, bx, features);
  return { n, nFeatures, orbit, bx, features };
}

// ---- SCORE_REPLY ----

export function encodeScoreReply(seq: number, r: ScoreReply): RawMessage {
  if (r.n > MAX_EVENTS) throw new RangeError(`SCORE_REPLY of ${r.n} events; at most ${MAX_EVENTS}`);
  const p = alignedBuffer(8 + r.n * REPLY_EVENT_BYTES);
  native.hilPackReply(r.n, r.orbit, r.bx, r.flags, r.score, r.ingressCycle, r.egressCycle, p);
  return encodeMessage(MsgType.SCORE_REPLY, seq, p);
}

function decodeScoreReply(p: Buffer): ScoreReply {
  if (p.length < 8) throw new ProtocolError(ErrorCode.BAD_LENGTH, `SCORE_REPLY payload ${p.length} bytes < 8`);
  const n = p.readUInt32LE(0);
  if (n > MAX_EVENTS) throw new ProtocolError(ErrorCode.BATCH_TOO_LARGE, `SCORE_REPLY of ${n} events; at most ${MAX_EVENTS}`);
  if (p.length !== 8 + n * REPLY_EVENT_BYTES) throw new ProtocolError(ErrorCode.BAD_LENGTH, `SCORE_REPLY payload ${p.length} bytes; ${n} events need ${8 + n * REPLY_EVENT_BYTES}`);
  const r: ScoreReply = {
    n,
    orbit: new Uint32Array(n),
    bx: new Uint16Array(n),
    flags: new Uint8Array(n),
    score: new Int32Array(n),
    ingressCycle: new Float64Array(n),
    egressCycle: new Float64Array(n),
  };
  native.hilUnpackReply(p, n, r.orbit, r.bx, r.flags, r.score, r.ingressCycle, r.egressCycle);
  return r;
}

/** The TS references of the SCORE / SCORE_REPLY payload codecs (tests hold the native ones to them). */
export const payloadReference = {
  unpackScore(p: Buffer, n: number, nFeatures: number): { orbit: Uint32Array; bx: Uint16Array; features: Int32Array } {
    const words = int32Words(p);
    const stride = (SCORE_EVENT_PREFIX >> 2) + nFeatures;
    const orbit = new Uint32Array(n);
    const bx = new Uint16Array(n);
    const features = new Int32Array(n * nFeatures);
    for (let i = 0; i < n; i++) {
      const base = 2 + i * stride;
      orbit[i] = words[base]! >>> 0;
      bx[i] = words[base + 1]! & 0xffff;
      const dst = i * nFeatures;
      for (let k = 0; k < nFeatures; k++) features[dst + k] = words[base + 2 + k]!;
    }
    return { orbit, bx, features };
  },
  packReply(r: ScoreReply): Buffer {
    // Events are 28 bytes from offset 8, so every field sits on a 4-byte boundary: write words.
    const p = alignedBuffer(8 + r.n * REPLY_EVENT_BYTES);
    const w = new Uint32Array(p.buffer, p.byteOffset, p.length >> 2);
    w[0] = r.n;
    w[1] = 0;
    for (let i = 0; i < r.n; i++) {
      const o = 2 + i * (REPLY_EVENT_BYTES >> 2);
      const ing = r.ingressCycle[i]!;
      const egr = r.egressCycle[i]!;
      w[o] = r.orbit[i]!;
      w[o + 1] = (r.bx[i]! & 0xffff) | ((r.flags[i]! & 0xff) << 16); // bx u16, flags u8, reserved u8 = 0
      w[o + 2] = ing % TWO_32;
      w[o + 3] = Math.floor(ing / TWO_32);
      w[o + 4] = egr % TWO_32;
      w[o + 5] = Math.floor(egr / TWO_32);
      w[o + 6] = r.score[i]! >>> 0;
    }
    return p;
  },
  unpackReply(p: Buffer, n: number): ScoreReply {
    const r: ScoreReply = {
      n, orbit: new Uint32Array(n), bx: new Uint16Array(n), flags: new Uint8Array(n), score: new Int32Array(n),
      ingressCycle: new Float64Array(n), egressCycle: new Float64Array(n),
    };
    const w = int32Words(p);
    for (let i = 0; i < n; i++) {
      const o = 2 + i * (REPLY_EVENT_BYTES >> 2);
      const w1 = w[o + 1]!;
      r.orbit[i] = w[o]! >>> 0;
      r.bx[i] = w1 & 0xffff;
      r.flags[i] = (w1 >>> 16) & 0xff;
      r.ingressCycle[i] = (w[o + 2]! >>> 0) + (w[o + 3]! >>> 0) * TWO_32;
      r.egressCycle[i] = (w[o + 4]! >>> 0) + (w[o + 5]! >>> 0) * TWO_32;
      r.score[i] = w[o + 6]!;
    }
    return r;
  },
};

// ---- PING / PONG / ERROR ----

export function encodePing(seq: number, token: bigint): RawMessage {
  const p = Buffer.alloc(8);
  p.writeBigUInt64LE(BigInt.asUintN(64, token));
  return encodeMessage(MsgType.PING, seq, p);
}

export function encodePong(seq: number, pong: PongInfo): RawMessage {
  const p = Buffer.alloc(16);
  p.writeBigUInt64LE(BigInt.asUintN(64, pong.token), 0);
  p.writeBigUInt64LE(BigInt.asUintN(64, pong.boardCycle), 8);
  return encodeMessage(MsgType.PONG, seq, p);
}

export function encodeError(seq: number, e: ErrorInfo): RawMessage {
  let text = Buffer.from(e.text, "utf8");
  if (text.length > MAX_ERROR_TEXT) text = text.subarray(0, MAX_ERROR_TEXT);
  const p = Buffer.alloc(4 + text.length);
  p.writeUInt16LE(e.code, 0);
  p.writeUInt16LE(text.length, 2);
  text.copy(p, 4);
  return encodeMessage(MsgType.ERROR, seq, p);
}

function expectLength(p: Buffer, n: number, what: string): void {
  if (p.length !== n) throw new ProtocolError(ErrorCode.BAD_LENGTH, `${what} payload ${p.length} bytes, expected ${n}`);
}

/** Check header + CRC and decode the payload by type (a SCORE into `scratch` when given: valid until the next decode). */
export function decodeMessage(raw: RawMessage, scratch?: ScoreScratch): Message {
  const h = decodeHeader(raw.header);
  if (h.length !== raw.payload.length) throw new ProtocolError(ErrorCode.BAD_LENGTH, `header says ${h.length} payload bytes, got ${raw.payload.length}`);
  const crc = messageCrc(raw.header, raw.payload);
  if (crc !== h.crc) throw new ProtocolError(ErrorCode.BAD_CRC, `CRC-32 mismatch (header 0x${h.crc.toString(16)}, computed 0x${crc.toString(16)})`);
  const p = raw.payload;
  const seq = h.seq;
  switch (h.type) {
    case MsgType.HELLO:
      expectLength(p, 0, "HELLO");
      return { type: MsgType.HELLO, seq };
    case MsgType.HELLO_REPLY:
      return { type: MsgType.HELLO_REPLY, seq, hello: decodeHelloReply(p) };
    case MsgType.SCORE:
      return { type: MsgType.SCORE, seq, request: decodeScore(p, scratch) };
    case MsgType.SCORE_REPLY:
      return { type: MsgType.SCORE_REPLY, seq, reply: decodeScoreReply(p) };
    case MsgType.PING:
      expectLength(p, 8, "PING");
      return { type: MsgType.PING, seq, token: p.readBigUInt64LE(0) };
    case MsgType.PONG:
      expectLength(p, 16, "PONG");
      return { type: MsgType.PONG, seq, pong: { token: p.readBigUInt64LE(0), boardCycle: p.readBigUInt64LE(8) } };
    case MsgType.ERROR: {
      if (p.length < 4) throw new ProtocolError(ErrorCode.BAD_LENGTH, `ERROR payload ${p.length} bytes < 4`);
      const len = p.readUInt16LE(2);
      if (len > MAX_ERROR_TEXT || p.length !== 4 + len) throw new ProtocolError(ErrorCode.BAD_LENGTH, `ERROR text length ${len} does not match payload ${p.length}`);
      return { type: MsgType.ERROR, seq, error: { code: p.readUInt16LE(0), text: p.toString("utf8", 4) } };
    }
    default:
      throw new ProtocolError(ErrorCode.BAD_TYPE, `unknown message type 0x${h.type.toString(16)}`);
  }
}

/** One contiguous byte string (header ‖ payload), as sent over serial before COBS. */
export function messageBytes(raw: RawMessage): Buffer {
  return Buffer.concat([raw.header, raw.payload]);
}

/** Split a contiguous message back into header and payload (length checked by decodeMessage). */
export function splitMessage(bytes: Buffer): RawMessage {
  if (bytes.length < HEADER_BYTES) throw new ProtocolError(ErrorCode.BAD_LENGTH, `message of ${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  return { header: bytes.subarray(0, HEADER_BYTES), payload: bytes.subarray(HEADER_BYTES) };
}
