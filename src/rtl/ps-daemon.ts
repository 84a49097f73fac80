/**
 * Model of the PS-side daemon of a Zynq-style board for the ZeroMQ profile: it binds the board's
 * ROUTER, and for every well-formed two-frame message [header, payload] writes the message,
 * COBS-framed and 0x00-terminated, into the PL's byte stream (on a board: an AXI-Stream FIFO or
 * DMA into the shell's byte port). Replies come back the same way; each is sent to the peer whose
 * request had that seq (the shell answers every request it reads exactly once, in order).
 * Malformed ZeroMQ messages never reach the PL (counted by the transport, as on a real daemon).
 */
import type { Readable, Writable } from "node:stream";
import { CobsDecoder, cobsEncode } from "../hil/cobs.js";
import { messageBytes, splitMessage } from "../hil/codec.js";
import { ZmqBoardTransport } from "../hil/transport-zmq.js";

export interface PsDaemonOptions {
  endpoint: string;
  toPl: Writable;
  fromPl: Readable;
}

export interface PsDaemonStats {
  requests: number;
  replies: number;
  /** Replies whose seq matched no forwarded request (dropped). */
  unmatchedReplies: number;
  /** Frames from the PL that were not a message (dropped). */
  badPlFrames: number;
}

export interface PsDaemon {
  readonly address: string;
  readonly stats: PsDaemonStats;
  close(): Promise<void>;
}

/** Requests waiting for their reply, oldest first; bounded like any queue fed from the wire. */
const MAX_PENDING = 4096;

export async function startPsDaemon(opts: PsDaemonOptions): Promise<PsDaemon> {
  const transport = await ZmqBoardTransport.bind(opts.endpoint);
  const stats: PsDaemonStats = { requests: 0, replies: 0, unmatchedReplies: 0, badPlFrames: 0 };
  const pending: Array<{ seq: number; peer: unknown }> = [];
  let closed = false;

  const decoder = new CobsDecoder((frame) => {
    let msg;
    try {
      msg = splitMessage(frame);
    } catch {
      stats.badPlFrames++;
      return;
    }
    const seq = msg.header.readUInt32LE(8);
    const i = pending.findIndex((p) => p.seq === seq);
    if (i < 0) {
      stats.unmatchedReplies++;
      return;
    }
    const [{ peer }] = pending.splice(i, 1);
    stats.replies++;
    transport.send(peer, msg).catch(() => undefined);
  });
  opts.fromPl.on("data", (chunk: Buffer) => decoder.push(chunk));
  opts.toPl.on("error", () => undefined); // the simulator went away; close() reports it

  void (async () => {
    try {
      for await (const { msg, peer } of transport) {
        if (closed) break;
        stats.requests++;
        pending.push({ seq: msg.header.readUInt32LE(8), peer });
        if (pending.length > MAX_PENDING) pending.shift();
        opts.toPl.write(cobsEncode(messageBytes(msg)));
      }
    } catch {
      /* transport closed */
    }
  })();

  return {
    address: transport.address,
    stats,
    close: async () => {
      if (closed) return;
      closed = true;
      await transport.close();
    },
  };
}
