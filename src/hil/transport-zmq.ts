/**
 * ZeroMQ transport: the host is a DEALER, the board a ROUTER; each protocol message is two
 * frames [header, payload] (the ROUTER adds the peer identity in front). DEALER/ROUTER lets the
 * host keep several SCORE batches in flight and match replies by sequence id. Optional CURVE
 * (zeromq 6 `curveKeyPair()`) for a board on another host; default endpoints are 127.0.0.1.
 */
import * as zmq from "zeromq";
import { HEADER_BYTES, MAX_PAYLOAD, type RawMessage } from "./protocol.js";
import {
  SerialQueue,
  TransportClosedError,
  iterate,
  type BoardTransport,
  type HostTransport,
  type Incoming,
} from "./transport.js";

/** CURVE keys, Z85 strings as produced by `zmq.curveKeyPair()`. */
export interface CurveClientKeys {
  serverPublicKey: string;
  /** The host's own pair; generated per connection when omitted. */
  publicKey?: string;
  secretKey?: string;
}

export interface CurveServerKeys {
  publicKey: string;
  secretKey: string;
}

export const DEFAULT_ZMQ_ENDPOINT = "tcp://127.0.0.1:5555";

/**
 * ZMQ_MAXMSGSIZE on every socket: libzmq drops the connection of a peer that announces a frame
 * larger than this before allocating it, so no frame can cost more memory than the largest legal
 * message part (the payload bound; headers and identities are far smaller).
 */
export const ZMQ_MAX_MESSAGE_BYTES = MAX_PAYLOAD + HEADER_BYTES;

/** The next multipart message; a receive cut short by our own close() is a TransportClosedError. */
async function receiveFrames(socket: zmq.Dealer | zmq.Router, isClosed: () => boolean, address: string): Promise<Buffer[]> {
  if (isClosed()) throw new TransportClosedError(`zmq ${address} is closed`);
  try {
    return await socket.receive();
  } catch (err) {
    if (isClosed()) throw new TransportClosedError(`zmq ${address} is closed`);
    throw err;
  }
}

export class ZmqHostTransport implements HostTransport {
  readonly kind = "zmq" as const;
  readonly ordered = false;
  readonly faults: Record<string, number> = { badFrames: 0 };
  private readonly socket: zmq.Dealer;
  /** A zeromq 6 socket allows one send in progress at a time. */
  private readonly sends = new SerialQueue();
  private closed = false;

  constructor(readonly address: string, curve?: CurveClientKeys) {
    const opts: Record<string, unknown> = { linger: 0, reconnectInterval: 100, sendHighWaterMark: 10000, receiveHighWaterMark: 256, maxMessageSize: ZMQ_MAX_MESSAGE_BYTES };
    if (curve) {
      const own = curve.publicKey && curve.secretKey ? { publicKey: curve.publicKey, secretKey: curve.secretKey } : zmq.curveKeyPair();
      Object.assign(opts, { curveServerKey: curve.serverPublicKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey });
    }
    this.socket = new zmq.Dealer(opts);
    this.socket.connect(address);
  }

  onSession(listener: (what: "lost" | "new") => void): void {
    // Every ZMTP handshake after the first is a new session, possibly with another board.
    let sessions = 0;
    this.socket.events.on("disconnect", () => {
      if (!this.closed) listener("lost");
    });
    this.socket.events.on("handshake", () => {
      if (sessions++ > 0 && !this.closed) listener("new");
    });
  }

  wireMs(): number {
    return 0;
  }

  send(msg: RawMessage): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError(`zmq ${this.address} is closed`));
    return this.sends.run(() => this.socket.send([msg.header, msg.payload]));
  }

  async receive(): Promise<RawMessage> {
    for (;;) {
      const frames = await receiveFrames(this.socket, () => this.closed, this.address);
      if (frames.length === 2 && frames[0]!.length === HEADER_BYTES) return { header: frames[0]!, payload: frames[1]! };
      this.faults.badFrames!++;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RawMessage> {
    return iterate(() => this.receive());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

export class ZmqBoardTransport implements BoardTransport {
  readonly faults: Record<string, number> = { badFrames: 0 };
  /** A zeromq 6 socket allows one send in progress at a time. */
  private readonly sends = new SerialQueue();
  private closed = false;
  private constructor(
    private readonly socket: zmq.Router,
    readonly address: string,
  ) {}

  /** Bind a ROUTER; `tcp://127.0.0.1:*` picks a free port (see `address`). */
  static async bind(endpoint: string, curve?: CurveServerKeys): Promise<ZmqBoardTransport> {
    const opts: Record<string, unknown> = { linger: 0, sendHighWaterMark: 10000, receiveHighWaterMark: 256, maxMessageSize: ZMQ_MAX_MESSAGE_BYTES };
    if (curve) Object.assign(opts, { curveServer: true, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey });
    const socket = new zmq.Router(opts);
    // A board restarted on the same endpoint may find it still held for a moment: ZeroMQ
    // releases a closed socket's listener asynchronously in its I/O thread.
    for (let attempt = 1; ; attempt++) {
      try {
        await socket.bind(endpoint);
        break;
      } catch (err) {
        if ((err as { code?: string }).code === "EADDRINUSE" && attempt < 25) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        socket.close();
        throw new Error(`cannot bind board endpoint ${endpoint}: ${(err as Error).message}`);
      }
    }
    return new ZmqBoardTransport(socket, socket.lastEndpoint ?? endpoint);
  }

  async receive(): Promise<Incoming> {
    for (;;) {
      const frames = await receiveFrames(this.socket, () => this.closed, this.address);
      if (frames.length === 3 && frames[1]!.length === HEADER_BYTES) {
        return { peer: frames[0]!, msg: { header: frames[1]!, payload: frames[2]! } };
      }
      this.faults.badFrames!++;
    }
  }

  send(peer: unknown, msg: RawMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.sends.run(async () => {
      if (!this.closed) await this.socket.send([peer as Buffer, msg.header, msg.payload]);
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Incoming> {
    return iterate(() => this.receive());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
