/**
 * scoutloop board protocol v1: constants and message shapes (the wire layout is in
 * docs/board-protocol.md; encode/decode in codec.ts). One message = a 20-byte little-endian
 * header + a bounded payload; the same bytes travel over ZeroMQ (two frames) and serial (COBS).
 */

/** "SLHP" read as a little-endian u32: bytes 53 4C 48 50 on the wire. */
export const MAGIC = 0x50484c53;
export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 20;

/** Largest batch a SCORE request may carry: one full LHC orbit (3564 BX) fits. */
export const MAX_EVENTS = 4096;
/** Upper bound on features per event (AXOL1TL uses 57). */
export const MAX_FEATURES = 64;
/** Bytes per event in a SCORE request before the features: orbit u32, bx u16, reserved u16. */
export const SCORE_EVENT_PREFIX = 8;
/** Bytes per event in a SCORE_REPLY: orbit u32, bx u16, flags u8, rsv u8, ingress u64, egress u64, score i32. */
export const REPLY_EVENT_BYTES = 28;
/** Payload bound: the largest legal SCORE request. Anything longer is rejected before allocating. */
export const MAX_PAYLOAD = 8 + MAX_EVENTS * (SCORE_EVENT_PREFIX + 4 * MAX_FEATURES);
/** ERROR text bound (bytes of UTF-8). */
export const MAX_ERROR_TEXT = 1024;

export const MsgType = {
  HELLO: 0x01,
  SCORE: 0x02,
  PING: 0x03,
  HELLO_REPLY: 0x81,
  SCORE_REPLY: 0x82,
  PONG: 0x83,
  ERROR: 0xff,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

/** Per-event flags in a SCORE_REPLY. */
export const ReplyFlag = {
  /** The score hit the output format's min or max (saturation). */
  SATURATED: 0x01,
  /** At least one input feature was outside the input format's range. */
  INPUT_OVERFLOW: 0x02,
  /** Set only by the scoutloop emulator on events whose score bits it corrupted on purpose. */
  FAULT_INJECTED: 0x80,
} as const;

/** Codes carried by ERROR messages. */
export const ErrorCode = {
  BAD_MAGIC: 1,
  BAD_VERSION: 2,
  BAD_TYPE: 3,
  BAD_LENGTH: 4,
  BAD_CRC: 5,
  BATCH_TOO_LARGE: 6,
  BAD_FEATURE_COUNT: 7,
  BUSY: 8,
  INTERNAL: 9,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

/** A message as it travels: header and payload kept apart (ZeroMQ sends them as two frames). */
export interface RawMessage {
  header: Buffer;
  payload: Buffer;
}

/** The decoded 20-byte header. */
export interface Header {
  version: number;
  type: number;
  flags: number;
  seq: number;
  length: number;
  crc: number;
}

/** HELLO_REPLY: who the board is and what it computes. */
export interface HelloInfo {
  protocolVersion: number;
  nFeatures: number;
  maxBatch: number;
  clockKHz: number;
  latencyCycles: number;
  initiationInterval: number;
  boardName: string;
  firmwareId: string;
  firmwareHash: string;
  modelId: string;
  /** ap_fixed spec string, e.g. "ap_fixed<18,13,AP_TRN,AP_WRAP>". */
  inputFormat: string;
  outputFormat: string;
}

/** SCORE request: n events, columnar, features row-major n × nFeatures raw fixed-point bits. */
export interface ScoreRequest {
  n: number;
  nFeatures: number;
  orbit: Uint32Array;
  bx: Uint16Array;
  features: Int32Array;
}

/** SCORE_REPLY: echo of orbit/bx, raw score bits, flags and firmware cycle counters (u64, exact below 2^53). */
export interface ScoreReply {
  n: number;
  orbit: Uint32Array;
  bx: Uint16Array;
  flags: Uint8Array;
  score: Int32Array;
  ingressCycle: Float64Array;
  egressCycle: Float64Array;
}

export interface PongInfo {
  token: bigint;
  boardCycle: bigint;
}

export interface ErrorInfo {
  code: number;
  text: string;
}

/** A decoded message, tagged by type. */
export type Message =
  | { type: typeof MsgType.HELLO; seq: number }
  | { type: typeof MsgType.HELLO_REPLY; seq: number; hello: HelloInfo }
  | { type: typeof MsgType.SCORE; seq: number; request: ScoreRequest }
  | { type: typeof MsgType.SCORE_REPLY; seq: number; reply: ScoreReply }
  | { type: typeof MsgType.PING; seq: number; token: bigint }
  | { type: typeof MsgType.PONG; seq: number; pong: PongInfo }
  | { type: typeof MsgType.ERROR; seq: number; error: ErrorInfo };
