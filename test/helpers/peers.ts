/**
 * Independent cross-check peers (Debian packages: h5py, scikit-learn, pyzmq, socat, chromium,
 * verilator, …). On a developer's machine a test whose peer is missing is skipped, and its name
 * carries the one-line install command (the summary reporter lists them at the end). With
 * SCOUTLOOP_REQUIRE_PEERS=1 — set by .ci/run, which installs every peer — a missing peer fails the
 * test instead, so CI can never pass by skipping a cross-check.
 *
 *   const it = peerIt("pyzmq");            // one test
 *   peerDescribe(["verilator"], "rtl", () => { ... });  // a whole block
 *
 * SCOUTLOOP_HIDE_PEERS=all (or a list: `h5py,socat`) treats peers as absent, to see what a fresh
 * machine sees without uninstalling anything; `test/without-peers.sh` hides them for real.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { describe, it } from "vitest";

export const PYTHON = "/usr/bin/python3";

interface PeerSpec {
  /** Debian package that provides it. */
  readonly apt: string;
  /** How to tell it is there. */
  readonly probe: { python: string } | { binary: string };
}

export const PEERS = {
  h5py: { apt: "python3-h5py python3-numpy", probe: { python: "h5py" } },
  numpy: { apt: "python3-numpy", probe: { python: "numpy" } },
  sklearn: { apt: "python3-sklearn", probe: { python: "sklearn" } },
  scipy: { apt: "python3-scipy", probe: { python: "scipy" } },
  pyzmq: { apt: "python3-zmq", probe: { python: "zmq" } },
  pyserial: { apt: "python3-serial", probe: { python: "serial" } },
  socat: { apt: "socat", probe: { binary: "socat" } },
  chromium: { apt: "chromium", probe: { binary: "chromium" } },
  verilator: { apt: "verilator", probe: { binary: "verilator" } },
  iverilog: { apt: "iverilog", probe: { binary: "iverilog" } },
  yosys: { apt: "yosys", probe: { binary: "yosys" } },
  ip: { apt: "iproute2", probe: { binary: "ip" } },
} as const satisfies Record<string, PeerSpec>;

export type PeerName = keyof typeof PEERS;

const cache = new Map<PeerName, boolean>();

/** A regular executable file (a binary hidden by bind-mounting /dev/null over it is not one). */
function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(binary: string): boolean {
  const dirs = (process.env.PATH ?? "/usr/bin:/bin").split(":");
  return dirs.some((d) => d && isExecutable(`${d}/${binary}`));
}

/** Peers named in SCOUTLOOP_HIDE_PEERS ("all" or a comma list), treated as absent. */
function hiddenByEnv(name: PeerName): boolean {
  const list = (process.env.SCOUTLOOP_HIDE_PEERS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return list.includes("all") || list.includes(name);
}

/** True when the peer is installed (probed once per process). */
export function hasPeer(name: PeerName): boolean {
  let ok = cache.get(name);
  if (ok === undefined && hiddenByEnv(name)) ok = false;
  if (ok === undefined) {
    const probe: PeerSpec["probe"] = PEERS[name].probe;
    if ("binary" in probe) ok = onPath(probe.binary);
    else {
      try {
        // A bare directory of that name imports as an empty namespace package: demand a real module.
        const check = `import ${probe.python} as m; assert getattr(m, "__file__", None)`;
        execFileSync(PYTHON, ["-c", check], { stdio: "ignore", timeout: 60_000 });
        ok = true;
      } catch {
        ok = false;
      }
    }
    cache.set(name, ok);
  }
  return ok;
}

export function peersRequired(): boolean {
  return process.env.SCOUTLOOP_REQUIRE_PEERS === "1";
}

/** The one-line install command for the missing ones among `names`, or undefined if all are there. */
export function missingPeers(names: readonly PeerName[]): string | undefined {
  const missing = names.filter((n) => !hasPeer(n));
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.flatMap((n) => PEERS[n].apt.split(" ")))];
  return `needs ${missing.join(", ")}: apt-get install -y ${pkgs.join(" ")}`;
}

function asList(names: PeerName | readonly PeerName[]): readonly PeerName[] {
  return typeof names === "string" ? [names] : names;
}

/** `it` when the peers are there; otherwise a skip (or, under SCOUTLOOP_REQUIRE_PEERS=1, a failure). */
export function peerIt(names: PeerName | readonly PeerName[]): typeof it {
  const why = missingPeers(asList(names));
  if (!why) return it;
  if (peersRequired()) {
    const failing = ((name: string) =>
      it(name, () => {
        throw new Error(`cross-check peer missing in CI (${why})`);
      })) as unknown as typeof it;
    return failing;
  }
  return ((name: string, ..._rest: unknown[]) => it.skip(`${name} [${why}]`)) as unknown as typeof it;
}

/** A describe block whose tests all need the peers; skipped or failed as peerIt says. */
export function peerDescribe(names: PeerName | readonly PeerName[], title: string, body: () => void): void {
  describeUnless(missingPeers(asList(names)), title, body);
}

/**
 * A describe block that needs something of the machine beyond a package (root, network
 * namespaces): `why` says what is missing (undefined: nothing); skipped or failed as peerIt says.
 */
export function describeUnless(why: string | undefined, title: string, body: () => void): void {
  if (!why) {
    describe(title, body);
  } else if (peersRequired()) {
    describe(title, () => {
      it("has its cross-check peers", () => {
        throw new Error(`cross-check peer missing in CI (${why})`);
      });
    });
  } else {
    describe.skip(`${title} [${why}]`, body);
  }
}
