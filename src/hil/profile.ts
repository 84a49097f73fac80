/**
 * Board profiles (boards/*.json): how to reach a board and what it computes. validateProfile
 * enforces boards/schema.json's rules by hand (no schema library needed) and reports every
 * problem with its JSON path, e.g. `transport.baudRate: expected an integer in [300, 12000000]`.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../native.js";
import { formatFixed, parseFixed } from "../scoring/fixed.js";
import type { CurveClientKeys } from "./transport-zmq.js";
import type { FlowControl } from "./transport-serial.js";
import { MAX_EVENTS, MAX_FEATURES } from "./protocol.js";

export interface ZmqTransportSpec {
  kind: "zmq";
  endpoint: string;
  curve?: Pick<CurveClientKeys, "serverPublicKey">;
}

export interface SerialTransportSpec {
  kind: "serial";
  path: string;
  baudRate: number;
  flowControl: FlowControl;
  pacing: boolean;
}

export interface BoardProfile {
  name: string;
  description: string;
  transport: ZmqTransportSpec | SerialTransportSpec;
  clockMHz: number;
  /** Canonical ap_fixed spelling (formatFixed), so string equality means same format. */
  inputFormat: string;
  outputFormat: string;
  nFeatures: number;
  maxBatch: number;
  latencyCycles: number;
  initiationInterval: number;
  window: number;
  retries: number;
  reconnects: number;
  timeouts: { helloMs: number; replyMs: number; pingMs: number };
  firmware?: { id?: string; hash?: string };
  modelId?: string;
  /** An RTL board simulated in-process (src/rtl): built from the run's model and started by `run`. */
  rtl?: RtlSpec;
}

/** `rtl` in a profile: the board is scoutloop's Verilog shell + scorer core under a simulator. */
export interface RtlSpec {
  simulator: "verilator";
  /** UART bit time in board clock cycles (serial: clockMHz / baudRate, an integer ≥ 4). */
  clocksPerBit: number;
}

export class ProfileError extends Error {
  override name = "ProfileError";
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid board profile ${source}: ${problems.join("; ")}`);
  }
}

/** A profile named like a shipped one (no path, no .json) that does not exist: a wrong choice, exit 2 in the CLI. */
export class ProfileNameError extends Error {
  override name = "ProfileNameError";
}

const TOP_KEYS = new Set([
  "$schema", "name", "description", "transport", "clockMHz", "inputFormat", "outputFormat", "nFeatures", "maxBatch",
  "latencyCycles", "initiationInterval", "window", "retries", "reconnects", "timeouts", "firmware", "modelId", "rtl",
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validate a parsed profile; throws ProfileError listing every problem. Fills defaults. */
export function validateProfile(json: unknown, source = "<profile>"): BoardProfile {
  const problems: string[] = [];
  const bad = (path: string, msg: string) => problems.push(`${path}: ${msg}`);
  if (!isObj(json)) throw new ProfileError(source, ["expected a JSON object"]);

  for (const k of Object.keys(json)) if (!TOP_KEYS.has(k)) bad(k, "unknown field");

  const str = (o: Obj, k: string, path: string, required = true, pattern?: RegExp): string => {
    const v = o[k];
    if (v === undefined && !required) return "";
    if (v === undefined) bad(path, "missing (a string)");
    else if (typeof v !== "string") bad(path, "expected a string");
    else if (pattern && !pattern.test(v)) bad(path, `"${v}" does not match ${pattern}`);
    return typeof v === "string" ? v : "";
  };
  const int = (o: Obj, k: string, path: string, min: number, max: number, dflt?: number): number => {
    const v = o[k];
    if (v === undefined && dflt !== undefined) return dflt;
    if (v === undefined) bad(path, `missing (an integer in [${min}, ${max}])`);
    else if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) bad(path, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    return typeof v === "number" ? v : 0;
  };
  const fixed = (k: string): string => {
    const s = str(json, k, k);
    if (!s) return "";
    try {
      return formatFixed(parseFixed(s));
    } catch (err) {
      bad(k, (err as Error).message);
      return s;
    }
  };

  const name = str(json, "name", "name", true, /^[a-z0-9][a-z0-9._-]{0,63}$/);
  const description = str(json, "description", "description", false);

  let transport: BoardProfile["transport"] = { kind: "zmq", endpoint: "" };
  const t = json.transport;
  if (!isObj(t)) bad("transport", "expected an object with kind zmq or serial");
  else if (t.kind === "zmq") {
    for (const k of Object.keys(t)) if (!["kind", "endpoint", "curve"].includes(k)) bad(`transport.${k}`, "unknown field");
    const endpoint = str(t, "endpoint", "transport.endpoint", true, /^(tcp|ipc):\/\//);
    transport = { kind: "zmq", endpoint };
    if (t.curve !== undefined) {
      if (!isObj(t.curve)) bad("transport.curve", "expected an object");
      else {
        const key = str(t.curve, "serverPublicKey", "transport.curve.serverPublicKey", true, /^.{40}$/);
        transport.curve = { serverPublicKey: key };
      }
    }
  } else if (t.kind === "serial") {
    for (const k of Object.keys(t)) if (!["kind", "path", "baudRate", "flowControl", "pacing"].includes(k)) bad(`transport.${k}`, "unknown field");
    const path = str(t, "path", "transport.path", true, /./);
    const baudRate = int(t, "baudRate", "transport.baudRate", 300, 12_000_000);
    const flow = t.flowControl ?? "none";
    if (flow !== "none" && flow !== "rtscts" && flow !== "xonxoff") bad("transport.flowControl", `expected none, rtscts or xonxoff, got ${JSON.stringify(flow)}`);
    if (t.pacing !== undefined && typeof t.pacing !== "boolean") bad("transport.pacing", "expected true or false");
    transport = { kind: "serial", path, baudRate, flowControl: flow as FlowControl, pacing: t.pacing !== false };
  } else bad("transport.kind", `expected "zmq" or "serial", got ${JSON.stringify(t.kind)}`);

  const clockMHz = json.clockMHz;
  if (typeof clockMHz !== "number" || !(clockMHz > 0) || clockMHz > 2000) bad("clockMHz", `expected a number in (0, 2000], got ${JSON.stringify(clockMHz)}`);

  let timeouts = { helloMs: 0, replyMs: 0, pingMs: 0 };
  if (!isObj(json.timeouts)) bad("timeouts", "expected an object with helloMs, replyMs, pingMs");
  else {
    const to = json.timeouts;
    for (const k of Object.keys(to)) if (!["helloMs", "replyMs", "pingMs"].includes(k)) bad(`timeouts.${k}`, "unknown field");
    timeouts = {
      helloMs: int(to, "helloMs", "timeouts.helloMs", 1, 600_000),
      replyMs: int(to, "replyMs", "timeouts.replyMs", 1, 600_000),
      pingMs: int(to, "pingMs", "timeouts.pingMs", 1, 600_000),
    };
  }

  let firmware: BoardProfile["firmware"];
  if (json.firmware !== undefined) {
    if (!isObj(json.firmware)) bad("firmware", "expected an object");
    else firmware = { id: str(json.firmware, "id", "firmware.id", false) || undefined, hash: str(json.firmware, "hash", "firmware.hash", false) || undefined };
  }

  let rtl: RtlSpec | undefined;
  if (json.rtl !== undefined) {
    const r = json.rtl;
    if (!isObj(r)) bad("rtl", "expected an object");
    else {
      for (const k of Object.keys(r)) if (k !== "simulator") bad(`rtl.${k}`, "unknown field");
      if (r.simulator !== "verilator") bad("rtl.simulator", `expected "verilator", got ${JSON.stringify(r.simulator)}`);
      let clocksPerBit = 8;
      if (transport.kind === "serial" && typeof clockMHz === "number" && transport.baudRate > 0) {
        const ratio = (clockMHz * 1e6) / transport.baudRate;
        clocksPerBit = Math.round(ratio);
        if (Math.abs(ratio - clocksPerBit) > 1e-9 || clocksPerBit < 4) bad("rtl", `clockMHz / baudRate must be a whole number of cycles per bit ≥ 4, got ${ratio}`);
      }
      rtl = { simulator: "verilator", clocksPerBit };
    }
  }

  const profile: BoardProfile = {
    name,
    description,
    transport,
    clockMHz: typeof clockMHz === "number" ? clockMHz : 0,
    inputFormat: fixed("inputFormat"),
    outputFormat: fixed("outputFormat"),
    nFeatures: int(json, "nFeatures", "nFeatures", 1, MAX_FEATURES),
    maxBatch: int(json, "maxBatch", "maxBatch", 1, MAX_EVENTS),
    latencyCycles: int(json, "latencyCycles", "latencyCycles", 0, 1_000_000),
    initiationInterval: int(json, "initiationInterval", "initiationInterval", 1, 65535, 1),
    window: int(json, "window", "window", 1, 64, 4),
    retries: int(json, "retries", "retries", 0, 10, 3),
    reconnects: int(json, "reconnects", "reconnects", 0, 10, 2),
    timeouts,
    firmware,
    modelId: json.modelId === undefined ? undefined : str(json, "modelId", "modelId"),
    ...(rtl ? { rtl } : {}),
  };
  if (problems.length > 0) throw new ProfileError(source, problems);
  return profile;
}

/** Folder of the shipped profiles. */
export const BOARDS_DIR = join(PACKAGE_ROOT, "boards");

/** Load a profile by path, or by name of a shipped one (`emulator-zmq` → boards/emulator-zmq.json). */
export function loadProfile(pathOrName: string): BoardProfile {
  const path = existsSync(pathOrName) ? pathOrName : join(BOARDS_DIR, `${pathOrName.replace(/\.json$/, "")}.json`);
  if (!existsSync(path)) {
    // A bare name is a choice among the shipped profiles; anything with a path or .json is a file.
    if (!/[/\\]|\.json$/i.test(pathOrName)) {
      throw new ProfileNameError(`unknown board profile "${pathOrName}": no such file, and the shipped profiles are ${shippedProfileNames().join(", ")}`);
    }
    throw new ProfileError(pathOrName, ["no such file"]);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ProfileError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  return validateProfile(json, path);
}

/** Names of the shipped profiles (boards/*.json but the schema). */
export function shippedProfileNames(): string[] {
  return readdirSync(BOARDS_DIR).filter((f) => f.endsWith(".json") && f !== "schema.json").map((f) => f.slice(0, -5)).sort();
}

/** The transport endpoint or path as one string (for messages). */
export function profileAddress(p: BoardProfile): string {
  return p.transport.kind === "zmq" ? p.transport.endpoint : p.transport.path;
}
