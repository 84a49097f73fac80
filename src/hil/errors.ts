/** Errors and failure reasons of the board client, with what a person needs to debug a board. */
import type { ErrorInfo, RawMessage } from "./protocol.js";
import { ERROR_CODE_NAMES } from "./protocol.js";

/** Per-event status codes in a BoardBatchResult: 0 = scored, else why the event failed. */
export const EventStatus = {
  SCORED: 0,
  TIMEOUT: 1,
  DISCONNECTED: 2,
  BOARD_ERROR: 3,
  BAD_REPLY: 4,
  CLOSED: 5,
  /** The board answering now is not the one the run started with (restart with another model, swap). */
  BOARD_CHANGED: 6,
} as const;
export type EventStatus = (typeof EventStatus)[keyof typeof EventStatus];

/** Names by status code, as the compare/report side prints them. */
export const EVENT_STATUS_NAMES: readonly string[] = ["scored", "timeout", "disconnected", "board-error", "bad-reply", "closed", "board-changed"];

/** One request still waiting when the client gave up on another. */
export interface InFlightInfo {
  seq: number;
  events: number;
  attempts: number;
  ageMs: number;
}

/**
 * The client gave up on a request: why, what else was in flight, the recent round trips and the
 * exact bytes of the request (so it can be replayed against firmware by hand).
 */
export class BoardRequestError extends Error {
  override name = "BoardRequestError";
  constructor(
    readonly reason: string,
    message: string,
    readonly seq: number,
    readonly attempts: number,
    readonly inFlight: InFlightInfo[],
    readonly recentRttsMs: number[],
    readonly rawRequest: RawMessage,
    readonly boardError?: ErrorInfo,
  ) {
    super(message);
  }

  toJSON(): unknown {
    const bytes = Buffer.concat([this.rawRequest.header, this.rawRequest.payload]);
    return {
      reason: this.reason,
      message: this.message,
      seq: this.seq,
      attempts: this.attempts,
      inFlight: this.inFlight,
      recentRttsMs: this.recentRttsMs,
      boardError: this.boardError && { ...this.boardError, name: ERROR_CODE_NAMES[this.boardError.code] ?? "UNKNOWN" },
      rawRequestBytes: bytes.length,
      rawRequestHex: bytes.subarray(0, 256).toString("hex") + (bytes.length > 256 ? "…" : ""),
    };
  }
}

/** HELLO disagreed with the profile (or the expected model): raised before any data is sent. */
export class BoardMismatchError extends Error {
  override name = "BoardMismatchError";
  constructor(
    readonly board: string,
    readonly mismatches: string[],
  ) {
    super(`board ${board} does not match its profile: ${mismatches.join("; ")}`);
  }
}

/** The board could not be reached or did not answer HELLO. */
export class BoardUnreachableError extends Error {
  override name = "BoardUnreachableError";
}
