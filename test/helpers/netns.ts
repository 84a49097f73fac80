/**
 * Separate hosts on one machine: three network namespaces joined by veth pairs, each its own
 * network stack (interfaces, addresses, routes, ports). Needs root and iproute2's `ip`.
 *
 * ```
 *   [a] 10.250.S.2/30 ── veth ── 10.250.S.1/30 [run] 10.250.S.5/30 ── veth ── 10.250.S.6/30 [b]
 * ```
 *
 * `b` reaches the run's 10.250.S.1 through the run's other interface (a route via 10.250.S.5).
 * Names carry the test process's pid, so parallel runs do not clash; `close()` removes everything
 * it made, also after a failure half way.
 */
import { execFileSync } from "node:child_process";
import { missingPeers } from "./peers.js";

export interface Hosts {
  /** Namespace names. */
  run: string;
  a: string;
  b: string;
  /** The run's address on its link to `a` (what it binds). */
  runAddress: string;
  /** argv prefix running a command inside namespace `ns`. */
  exec(ns: string, argv: string[]): string[];
  close(): void;
}

function ip(args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  return String(e.stderr ?? e.message ?? err).trim().split("\n")[0] ?? "";
}

/** Why network namespaces cannot be made here (undefined: they can). */
export function netnsUnavailable(): string | undefined {
  const missing = missingPeers(["ip"]);
  if (missing) return missing;
  if (process.getuid?.() !== 0) return "needs root for network namespaces (ip netns add)";
  const probe = `slp${process.pid}`;
  try {
    ip(["netns", "add", probe]);
  } catch (err) {
    return `cannot create network namespaces here (ip netns add: ${firstLine(err)})`;
  }
  try {
    ip(["netns", "del", probe]);
  } catch {
    /* gone already */
  }
  return undefined;
}

export function makeHosts(): Hosts {
  const tag = `sl${process.pid}`;
  const s = 20 + (process.pid % 200);
  const net = `10.250.${s}`;
  const names = { run: `${tag}r`, a: `${tag}a`, b: `${tag}b` };
  const made: string[] = [];
  const links: string[] = [];
  const close = () => {
    for (const l of links) {
      try {
        ip(["link", "del", l]); // only if it never moved into a namespace
      } catch {
        /* moved, or gone with its namespace */
      }
    }
    for (const ns of made.reverse()) {
      try {
        ip(["netns", "del", ns]);
      } catch {
        /* gone */
      }
    }
  };
  try {
    for (const ns of [names.run, names.a, names.b]) {
      ip(["netns", "add", ns]);
      made.push(ns);
      ip(["-n", ns, "link", "set", "lo", "up"]);
    }
    const pair = (peer: "a" | "b", runAddr: string, peerAddr: string) => {
      const here = `${tag}${peer}0`;
      const there = `${tag}${peer}1`;
      const ns = names[peer];
      ip(["link", "add", here, "type", "veth", "peer", "name", there]);
      links.push(here, there);
      ip(["link", "set", here, "netns", names.run]);
      ip(["link", "set", there, "netns", ns]);
      ip(["-n", names.run, "addr", "add", `${runAddr}/30`, "dev", here]);
      ip(["-n", ns, "addr", "add", `${peerAddr}/30`, "dev", there]);
      ip(["-n", names.run, "link", "set", here, "up"]);
      ip(["-n", ns, "link", "set", there, "up"]);
    };
    pair("a", `${net}.1`, `${net}.2`);
    pair("b", `${net}.5`, `${net}.6`);
    ip(["-n", names.b, "route", "add", `${net}.0/24`, "via", `${net}.5`]);
  } catch (err) {
    close();
    throw new Error(`could not build the test network: ${firstLine(err)}`);
  }
  return {
    ...names,
    runAddress: `${net}.1`,
    exec: (ns, argv) => ["ip", "netns", "exec", ns, ...argv],
    close,
  };
}
