/**
 * Serial transport: each protocol message (header ‖ payload, whose header already carries the
 * sequence id and CRC-32) is COBS-encoded between two 0x00 delimiters: the leading one ends
 * whatever a previous session or a damaged frame left on the line, so every frame starts clean.
 * A frame once started is always finished (close waits for it): a half frame would glue onto the
 * next one; only a port that is gone (board killed, cable pulled) fails the frame being written.
 * The host side uses serialport 13;
 * the emulator side serves the master end of a native pty pair. Both pace their writes to the
 * UART's byte rate (8N1: baud/10 bytes/s), since a pty would otherwise move data at memory speed.
 */
import { closeSync, existsSync, openSync, writeSync, constants as fsc } from "node:fs";
import tty from "node:tty";
import { SerialPort } from "serialport";
import { native } from "../native.js";
import { CobsDecoder, cobsEncode } from "./cobs.js";
import { messageBytes, splitMessage } from "./codec.js";
import type { RawMessage } from "./protocol.js";
import {
  Pacer,
  SerialQueue,
  ReceiveQueue,
  TransportClosedError,
  TransportDisconnectedError,
  iterate,
  withinMs,
  type BoardTransport,
  type HostTransport,
  type Incoming,
} from "./transport.js";

export type FlowControl = "none" | "rtscts" | "xonxoff";

export interface SerialOptions {
  path: string;
  baudRate: number;
  flowControl?: FlowControl;
  /** Throttle writes to baudRate/10 bytes/s (default true; a pty ignores the baud rate). */
  pacing?: boolean;
}

/** The bytes of one message on the line: 0x00 ‖ COBS(message) ‖ 0x00. */
export function serialFrame(msg: RawMessage): Buffer {
  const body = cobsEncode(messageBytes(msg));
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = 0;
  body.copy(out, 1);
  return out;
}

/** Longest close() waits for the frame being written to finish. */
const FINISH_FRAME_MS = 2000;

/** How often the host checks that its device node still exists. */
const VANISH_CHECK_MS = 100;

/** 8N1 framing: 10 line bits per byte. */
export function uartBytesPerSecond(baudRate: number): number {
  return baudRate / 10;
}

export class SerialHostTransport implements HostTransport {
  readonly kind = "serial" as const;
  readonly ordered = true;
  readonly faults: Record<string, number> = { malformed: 0, oversize: 0, overflow: 0 };
  private readonly queue = new ReceiveQueue<RawMessage>();
  private readonly decoder: CobsDecoder;
  private readonly pacer: Pacer;
  /** Whole frames one after another: concurrent sends must not interleave their slices. */
  private readonly sends = new SerialQueue();
  private closing = false;
  private shortFrames = 0;
  /** Bytes handed to send() and not yet written. */
  private queuedBytes = 0;
  private readonly watch: NodeJS.Timeout;
  /**
   * Rejects once the port is gone. A write or drain in flight when the other end vanishes (a
   * board killed mid-frame) is never called back by serialport, so every wait races this.
   */
  private readonly lost: Promise<never>;
  private loseWith!: (err: Error) => void;

  private constructor(
    private readonly port: SerialPort,
    readonly address: string,
    pacing: boolean,
    private readonly baudRate: number,
  ) {
    this.pacer = new Pacer(pacing ? uartBytesPerSecond(baudRate) : Infinity);
    this.lost = new Promise<never>((_, reject) => (this.loseWith = reject));
    this.lost.catch(() => undefined); // only ever awaited through races
    this.decoder = new CobsDecoder((frame) => {
      try {
        this.queue.push(splitMessage(frame));
      } catch {
        this.shortFrames++; // shorter than a header
      }
    });
    port.on("data", (chunk: Buffer) => this.decoder.push(chunk));
    port.on("close", () => {
      this.end(
        this.closing
          ? new TransportClosedError(`serial ${address} is closed`)
          : new TransportDisconnectedError(`serial port ${address} disconnected`),
      );
    });
    port.on("error", (err) => this.end(new TransportDisconnectedError(`serial port ${address}: ${err.message}`)));
    // The poller does not always see a hang-up (a closed pty, an unplugged USB-UART) until the
    // next write; the device node disappearing is the reliable sign, so look for it.
    this.watch = setInterval(() => {
      if (!existsSync(address)) this.vanish();
    }, VANISH_CHECK_MS);
    this.watch.unref();
  }

  /** The port is gone (or closed): no more frames in or out. */
  private end(err: Error): void {
    this.queue.end(err);
    this.loseWith(err instanceof TransportClosedError ? new TransportDisconnectedError(`serial port ${this.address} closed`) : err);
  }

  private vanish(): void {
    this.end(new TransportDisconnectedError(`serial port ${this.address} vanished`));
    clearInterval(this.watch);
    if (this.port.isOpen) this.port.close(() => undefined);
  }

  static async open(opts: SerialOptions): Promise<SerialHostTransport> {
    const flow = opts.flowControl ?? "none";
    const port = new SerialPort({
      path: opts.path,
      baudRate: opts.baudRate,
      rtscts: flow === "rtscts",
      xon: flow === "xonxoff",
      xoff: flow === "xonxoff",
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new TransportDisconnectedError(`cannot open serial port ${opts.path}: ${err.message}`)) : resolve())),
    );
    return new SerialHostTransport(port, opts.path, opts.pacing ?? true, opts.baudRate);
  }

  wireMs(bytes: number): number {
    // COBS adds ≤ 1 byte in 254 plus the delimiter.
    return ((bytes * 1.004 + 2) / uartBytesPerSecond(this.baudRate)) * 1000;
  }

  backlogMs(): number {
    return this.wireMs(this.queuedBytes) + this.pacer.aheadMs();
  }

  async send(msg: RawMessage): Promise<void> {
    if (this.queue.isEnded || !this.port.isOpen) throw new TransportDisconnectedError(`serial port ${this.address} is not open`);
    const frame = serialFrame(msg);
    this.queuedBytes += frame.length;
    try {
      await this.sends.run(async () => {
        // Closing: frames not yet started are not started; the one on the line is finished.
        if (this.closing || !this.port.isOpen) throw new TransportDisconnectedError(`serial port ${this.address} is closing`);
        const write = (chunk: Buffer) => new Promise<void>((resolve, reject) => {
          this.port.write(chunk, (err) => (err ? reject(new TransportDisconnectedError(`serial write failed: ${err.message}`)) : resolve()));
        });
        await Promise.race([this.pacer.write(frame, write), this.lost]);
        await Promise.race([new Promise<void>((resolve) => this.port.drain(() => resolve())), this.lost]);
      });
    } finally {
      this.queuedBytes -= frame.length;
    }
  }

  receive(): Promise<RawMessage> {
    this.faults.malformed = this.decoder.faults.malformed + this.shortFrames;
    this.faults.oversize = this.decoder.faults.oversize;
    this.faults.overflow = this.queue.overflow;
    return this.queue.next();
  }

  [Symbol.asyncIterator](): AsyncIterator<RawMessage> {
    return iterate(() => this.receive());
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.watch);
    this.queue.end(new TransportClosedError(`serial ${this.address} is closed`));
    await this.sends.idle(FINISH_FRAME_MS);
    this.loseWith(new TransportDisconnectedError(`serial port ${this.address} is closed`));
    // A port whose other end died with a write in flight may never call back: bounded wait.
    if (this.port.isOpen) await withinMs(new Promise<void>((resolve) => this.port.close(() => resolve())), FINISH_FRAME_MS);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Board side over a pty pair from the native helper. We also hold the slave open ourselves so
 * the master keeps working while the host closes and reopens its port (Linux returns EIO on the
 * master while no slave fd is open). `address` is the /dev/pts/N path the host opens.
 */
export class PtyBoardTransport implements BoardTransport {
  readonly faults: Record<string, number> = { malformed: 0, oversize: 0, overflow: 0 };
  private readonly queue = new ReceiveQueue<Incoming>();
  private readonly decoder: CobsDecoder;
  private readonly pacer: Pacer;
  private readonly sends = new SerialQueue();
  private readonly reader: tty.ReadStream;
  private readonly slaveFd: number;
  private closed = false;
  private shortFrames = 0;

  private constructor(
    private readonly masterFd: number,
    readonly address: string,
    bytesPerSecond: number,
  ) {
    this.pacer = new Pacer(bytesPerSecond);
    this.slaveFd = openSync(address, fsc.O_RDWR | fsc.O_NOCTTY);
    native.setRaw(this.slaveFd);
    this.decoder = new CobsDecoder((frame) => {
      try {
        this.queue.push({ peer: null, msg: splitMessage(frame) });
      } catch {
        this.shortFrames++;
      }
    });
    this.reader = new tty.ReadStream(masterFd);
    this.reader.on("data", (chunk: Buffer) => this.decoder.push(chunk));
    this.reader.on("error", () => this.queue.end(new TransportClosedError("pty closed")));
  }

  /** Open a pty pair; `baudRate` sets the pacing (0 = unpaced). */
  static open(baudRate = 0): PtyBoardTransport {
    const pty = native.openPty();
    return new PtyBoardTransport(pty.fd, pty.path, baudRate > 0 ? uartBytesPerSecond(baudRate) : Infinity);
  }

  receive(): Promise<Incoming> {
    this.faults.malformed = this.decoder.faults.malformed + this.shortFrames;
    this.faults.oversize = this.decoder.faults.oversize;
    this.faults.overflow = this.queue.overflow;
    return this.queue.next();
  }

  async send(_peer: unknown, msg: RawMessage): Promise<void> {
    const frame = serialFrame(msg);
    await this.sends.run(() => this.pacer.write(frame, (chunk) => this.writeAll(chunk)));
  }

  /** Write to the non-blocking master fd, waiting out EAGAIN while the pty buffer is full. */
  private async writeAll(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.closed) return;
      try {
        off += writeSync(this.masterFd, chunk, off, chunk.length - off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "EAGAIN") throw err;
        await sleep(1);
      }
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Incoming> {
    return iterate(() => this.receive());
  }

  /** Close both ends: the host's open port sees the device vanish (a USB-UART unplugged). */
  async close(): Promise<void> {
    if (this.closed) return;
    // The frame on the line is finished first (a board that vanishes still never leaves half a frame).
    await this.sends.idle(FINISH_FRAME_MS);
    this.closed = true;
    this.queue.end(new TransportClosedError("pty closed"));
    this.reader.destroy(); // closes the master fd (the TTY handle owns it)
    try {
      closeSync(this.slaveFd);
    } catch {
      /* already closed */
    }
  }
}
