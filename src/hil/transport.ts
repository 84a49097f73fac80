/**
 * What the board client and the emulator need from a transport, and the small pieces the
 * ZeroMQ and serial implementations share (errors, a bounded receive queue, software pacing).
 * Transports move whole protocol messages; they never interpret payloads.
 */
import type { RawMessage } from "./protocol.js";

/** The host side of a link to one board. */
export interface HostTransport extends AsyncIterable<RawMessage> {
  readonly kind: "zmq" | "serial";
  /** Endpoint or device path, for messages. */
  readonly address: string;
  /** Replies arrive in request order (serial): a reply overtaking an older request means a loss. */
  readonly ordered: boolean;
  /** Link-level faults seen so far (bad frames, overflows), by kind. */
  readonly faults: Record<string, number>;
  /** Time the line needs to carry `bytes` (serial: at baud/10 bytes/s; ZeroMQ: 0). */
  wireMs(bytes: number): number;
  /** Time until everything already handed to send() has left (serial: queued frames on a paced line). */
  backlogMs?(): number;
  /**
   * `listener("lost")` when the link silently lost its peer and `listener("new")` when it set up a
   * session again (ZeroMQ reconnects by itself): whoever answers now may be another board, so the
   * client confirms its identity (HELLO) before it trusts another reply.
   */
  onSession?(listener: (what: "lost" | "new") => void): void;
  send(msg: RawMessage): Promise<void>;
  /**
   * The next message. Rejects with TransportClosedError after close(), with
   * TransportDisconnectedError when the link is lost. Only one receive may wait at a time.
   */
  receive(): Promise<RawMessage>;
  close(): Promise<void>;
}

/** A message received by a board together with the address to answer. */
export interface Incoming {
  msg: RawMessage;
  peer: unknown;
}

/** The board side: receives requests from any host, answers the one that asked. */
export interface BoardTransport extends AsyncIterable<Incoming> {
  readonly address: string;
  readonly faults: Record<string, number>;
  receive(): Promise<Incoming>;
  send(peer: unknown, msg: RawMessage): Promise<void>;
  close(): Promise<void>;
}

export class TransportClosedError extends Error {
  override name = "TransportClosedError";
  readonly code = "ECLOSED";
}

export class TransportDisconnectedError extends Error {
  override name = "TransportDisconnectedError";
  readonly code = "EDISCONNECTED";
}

export class TransportBusyError extends Error {
  override name = "TransportBusyError";
  readonly code = "EBUSY";
}

/**
 * FIFO between a push-style source (stream 'data') and one pull-style receiver. Bounded: when
 * nobody reads, the oldest entries are dropped and counted as `overflow`.
 */
export class ReceiveQueue<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (v: T) => void; reject: (e: Error) => void } | null = null;
  private ended: Error | null = null;
  overflow = 0;

  constructor(private readonly capacity = 4096) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(item);
      return;
    }
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.overflow++;
    }
    this.items.push(item);
  }

  /** End the queue: queued items are still delivered, then every receive rejects with `err`. */
  end(err: Error): void {
    if (this.ended) return;
    this.ended = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(err);
    }
  }

  get isEnded(): boolean {
    return this.ended !== null;
  }

  next(): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.ended) return Promise.reject(this.ended);
    if (this.waiter) return Promise.reject(new TransportBusyError("another receive() is already waiting"));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }
}

/** Async iterator over receive(): ends quietly when closed, rethrows any other error. */
export async function* iterate<T>(receive: () => Promise<T>): AsyncGenerator<T> {
  for (;;) {
    try {
      yield await receive();
    } catch (err) {
      if (err instanceof TransportClosedError) return;
      throw err;
    }
  }
}

/** Runs async jobs one after another: frames must not interleave on a byte stream. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  run(fn: () => Promise<void>): Promise<void> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
  /** Resolves when every job queued so far has finished (or `ms` passed). */
  idle(ms: number): Promise<void> {
    return withinMs(this.tail, ms);
  }
}

/** `p`, or nothing after `ms`; the timer keeps the process alive for whoever waits, and is cleared. */
export function withinMs(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Software pacing of a byte stream to `bytesPerSecond` (a pty ignores the baud rate, a real UART
 * does not: 8N1 moves baud/10 bytes per second). Writes are cut into ~1 ms slices and the writer
 * sleeps whenever it runs more than 2 ms ahead of the line.
 */
export class Pacer {
  private lineFreeAt = 0;
  private readonly slice: number;

  constructor(readonly bytesPerSecond: number) {
    this.slice = Math.max(64, Math.ceil(bytesPerSecond / 1000));
  }

  /** ms until the line is free of what was already written (0 when unpaced). */
  aheadMs(): number {
    return Math.max(0, this.lineFreeAt - performance.now());
  }

  async write(data: Buffer, writeChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
    if (!Number.isFinite(this.bytesPerSecond) || this.bytesPerSecond <= 0) return writeChunk(data);
    for (let off = 0; off < data.length; off += this.slice) {
      const chunk = data.subarray(off, Math.min(data.length, off + this.slice));
      const now = performance.now();
      if (this.lineFreeAt < now) this.lineFreeAt = now;
      const ahead = this.lineFreeAt - now;
      if (ahead > 2) await sleep(ahead);
      this.lineFreeAt += (chunk.length / this.bytesPerSecond) * 1000;
      await writeChunk(chunk);
    }
  }
}
