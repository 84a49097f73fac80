/**
 * Which workers may join a run (`run --curve --worker-keys FILE`): a ZAP handler (ZeroMQ RFC 27)
 * that admits a CURVE client only when its public key is on the run's list. libzmq asks the
 * handler bound at inproc://zeromq.zap.01 of the socket's context about every CURVE handshake;
 * one handler serves the whole process, each run registers its own ZAP domain. Handshakes on
 * domains nobody registered (e.g. an emulated board with CURVE in the same process) pass, so the
 * handler changes nothing for them.
 */
import * as zmq from "zeromq";

const Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** A 40-character Z85 key as its 32 bytes, or null when it is not one. */
export function z85Decode(text: string): Buffer | null {
  if (text.length !== 40) return null;
  const out = Buffer.alloc(32);
  for (let i = 0; i < 40; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const d = Z85.indexOf(text[i + j]!);
      if (d < 0) return null;
      v = v * 85 + d;
    }
    if (v > 0xffffffff) return null;
    out.writeUInt32BE(v, (i / 5) * 4);
  }
  return out;
}

export function isZ85Key(text: string): boolean {
  return z85Decode(text) !== null;
}

interface Domain {
  keys: Set<string>;
  onDenied: (address: string) => void;
}

const domains = new Map<string, Domain>();
let handler: zmq.Reply | null = null;
let serving: Promise<void> | null = null;
let nextDomain = 1;

async function serve(socket: zmq.Reply): Promise<void> {
  for (;;) {
    let req: Buffer[];
    try {
      req = await socket.receive();
    } catch {
      return; // closed
    }
    const [version, requestId, domain, address, , mechanism, credential] = req;
    const d = domains.get(domain?.toString() ?? "");
    let ok = true;
    if (d) ok = mechanism?.toString() === "CURVE" && credential?.length === 32 && d.keys.has(credential.toString("hex"));
    if (!ok) d!.onDenied(address?.toString() ?? "?");
    try {
      await socket.send([version ?? "1.0", requestId ?? "", ok ? "200" : "400", ok ? "OK" : "worker key not on the run's list", "", ""]);
    } catch {
      return;
    }
  }
}

/**
 * Admit only `keys` (Z85 public keys) on a new ZAP domain; returns the domain to set as the
 * server socket's `zapDomain`, and `release` to call when the run ends.
 */
export async function allowOnly(keys: readonly string[], onDenied: (address: string) => void): Promise<{ domain: string; release: () => void }> {
  const set = new Set<string>();
  for (const k of keys) {
    const raw = z85Decode(k);
    if (!raw) throw new Error(`not a Z85 CURVE public key: "${k.slice(0, 48)}"`);
    set.add(raw.toString("hex"));
  }
  if (!handler) {
    const socket = new zmq.Reply({ linger: 0 });
    await socket.bind("inproc://zeromq.zap.01");
    handler = socket;
    serving = serve(socket);
  }
  const domain = `scoutloop-run-${process.pid}-${nextDomain++}`;
  domains.set(domain, { keys: set, onDenied });
  return {
    domain,
    release() {
      domains.delete(domain);
      if (domains.size === 0 && handler) {
        handler.close();
        handler = null;
        void serving;
        serving = null;
      }
    },
  };
}
