/**
 * Reading HDF5 files on a thread of their own, under a watchdog (issue 11: bounded inputs).
 *
 * libhdf5 can loop forever on a damaged file (a bad object header or global heap: h5py crashes on
 * the same files) and, after it has called abort(), its WASM runtime is in an undefined state for
 * every later call. So h5wasm reads untrusted files only on an HDF5 thread (./hdf5-worker.ts):
 * each call to it is synchronous for the caller (Atomics.wait on a shared flag, the reply taken
 * with receiveMessageOnPort), so the readers keep their synchronous row and orbit reads, and
 * bounded in time — a call that has not answered within its budget has its thread terminated
 * (that stops running WASM) and becomes a one-line FileFormatError. The budget is a floor plus a
 * rate per MB of what the call reads (the whole file to open and describe it, the rows of a slice).
 *
 * Every open file has a thread to itself, so one file's damage cannot reach another; a thread that
 * saw no abort and kept a small heap is kept, unreferenced, for the next file.
 *
 * Limits (environment, for tests and unusual files): SCOUTLOOP_HDF5_TIMEOUT_MS (floor, 5000),
 * SCOUTLOOP_HDF5_MS_PER_MB (100), SCOUTLOOP_HDF5_MAX_MB (the thread's WASM heap cap, 256).
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { PACKAGE_ROOT } from "../native.js";
import { FileFormatError } from "./errors.js";
import { assertHdf5File } from "./hdf5.js";

export type Hdf5Layout = "adc2021" | "scoutloop";
export type Hdf5Request =
  | { op: "open"; path: string; layout: "sniff" | Hdf5Layout }
  | { op: "slices"; handle: number; parts: { name: string; ranges: [number, number][] }[] }
  | { op: "close"; handle: number };
/** `part`: which slice of a "slices" request failed. */
export type Hdf5Reply = ({ ok: true; value: unknown } | { ok: false; reason: string; part?: number }) & { poisoned?: boolean };

/** One slice to read: `ranges` of dataset `name`; `what` names it in errors, e.g. `"Particles" rows 0..20`. */
export interface Hdf5Slice {
  name: string;
  ranges: [number, number][];
  what: string;
}

export interface Hdf5Limits {
  /** Time every call gets, ms. */
  floorMs: number;
  /** More time per MB the call reads, ms. */
  msPerMB: number;
  /** Cap of an HDF5 thread's WASM heap, MB (h5wasm's own limit is 2048). */
  maxWasmMB: number;
}

export function hdf5Limits(env: NodeJS.ProcessEnv = process.env): Hdf5Limits {
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const text = env[name];
    if (text === undefined || text === "") return dflt;
    const v = Number(text);
    if (!(v >= min && v <= max)) throw new RangeError(`${name}=${text}: expected a number in ${min}..${max}`);
    return v;
  };
  return {
    floorMs: num("SCOUTLOOP_HDF5_TIMEOUT_MS", 5000, 1, 3_600_000),
    msPerMB: num("SCOUTLOOP_HDF5_MS_PER_MB", 100, 0, 60_000),
    maxWasmMB: num("SCOUTLOOP_HDF5_MAX_MB", 256, 32, 2048),
  };
}

/** The time a call that reads `bytes` gets. */
export function hdf5BudgetMs(bytes: number, limits = hdf5Limits()): number {
  return limits.floorMs + (limits.msPerMB * bytes) / 2 ** 20;
}

/** JS heap of an HDF5 thread (h5wasm's objects and the replies; typed arrays live outside it). */
const THREAD_HEAP_MB = 256;
/** A thread whose WASM heap grew past this is not kept for the next file (the heap never shrinks). */
const KEEP_WASM_BYTES = 64 * 2 ** 20;

/** The compiled worker beside this module, or dist's when this module runs from source (tests). */
function workerUrl(): URL {
  const here = new URL("./hdf5-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return pathToFileURL(join(PACKAGE_ROOT, "dist", "src", "io", "hdf5-worker.js"));
}

class Hdf5Thread {
  private dead = false;
  /** WASM heap bytes, as the last close reported. */
  heapBytes = 0;

  private constructor(
    private readonly worker: Worker, private readonly port: MessagePort, private readonly state: Int32Array, readonly maxWasmMB: number,
  ) {
    worker.on("exit", () => (this.dead = true));
    worker.on("error", () => (this.dead = true));
  }

  static start(maxWasmMB: number): Promise<Hdf5Thread> {
    const state = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(workerUrl(), {
      workerData: { port: port2, state, maxWasmMB }, transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
    return new Promise((resolve, reject) => {
      const fail = (err: Error | number) => {
        void worker.terminate();
        reject(new Error(`cannot start the HDF5 thread: ${typeof err === "number" ? `exit code ${err}` : err.message}`));
      };
      worker.once("error", fail);
      worker.once("exit", fail);
      worker.once("message", () => {
        worker.off("error", fail);
        worker.off("exit", fail);
        worker.unref();
        port1.unref();
        resolve(new Hdf5Thread(worker, port1, state, maxWasmMB));
      });
    });
  }

  get usable(): boolean {
    return !this.dead;
  }

  /** One request, answered within `budgetMs` or null (the thread is then stopped). */
  call(req: Hdf5Request, budgetMs: number): Hdf5Reply | null {
    if (this.dead) return { ok: false, reason: "the HDF5 thread stopped after an earlier failure", poisoned: true };
    Atomics.store(this.state, 0, 0);
    this.port.postMessage(req);
    Atomics.wait(this.state, 0, 0, Math.ceil(budgetMs));
    const got = receiveMessageOnPort(this.port);
    if (!got) {
      this.retire();
      return null;
    }
    const reply = got.message as Hdf5Reply;
    if (reply.poisoned) this.retire();
    return reply;
  }

  retire(): void {
    this.dead = true;
    this.port.close();
    void this.worker.terminate();
  }
}

let idle: Hdf5Thread | null = null;

async function acquire(): Promise<Hdf5Thread> {
  const t = idle;
  idle = null;
  const { maxWasmMB } = hdf5Limits();
  if (t?.usable && t.maxWasmMB === maxWasmMB) return t;
  t?.retire();
  return Hdf5Thread.start(maxWasmMB);
}

function release(t: Hdf5Thread): void {
  if (!t.usable) return;
  if (idle || t.heapBytes > KEEP_WASM_BYTES) t.retire();
  else idle = t;
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;

/** An HDF5 file open on its own thread: slices of its datasets, read with the watchdog. */
export class Hdf5Handle {
  private closed = false;

  constructor(readonly path: string, private readonly thread: Hdf5Thread, private readonly handle: number) {}

  /**
   * Slices in one round trip to the thread, as h5wasm returns them (typed arrays). `bytes` is
   * about what they hold together (their time budget).
   */
  slices(parts: readonly Hdf5Slice[], bytes: number): unknown[] {
    const what = parts.length === 1 ? parts[0].what : `${parts[0].what} and ${parts.length - 1} more slices`;
    if (this.closed) throw new FileFormatError(this.path, `cannot read ${what}: file closed`);
    if (parts.length === 0) return [];
    const budget = hdf5BudgetMs(bytes);
    const reply = this.thread.call({ op: "slices", handle: this.handle, parts: parts.map(({ name, ranges }) => ({ name, ranges })) }, budget);
    if (!reply) throw new FileFormatError(this.path, `HDF5 library did not finish reading ${what} within ${seconds(budget)} (damaged file?)`);
    if (!reply.ok) throw new FileFormatError(this.path, `cannot read ${parts[reply.part ?? 0]?.what ?? what}: ${reply.reason}`);
    return reply.value as unknown[];
  }

  slice(part: Hdf5Slice, bytes: number): unknown {
    return this.slices([part], bytes)[0];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const reply = this.thread.call({ op: "close", handle: this.handle }, hdf5BudgetMs(0));
    if (reply?.ok) this.thread.heapBytes = reply.value as number;
    else this.thread.retire();
    release(this.thread);
  }
}

/** One open request: the signature checked here, then the thread opens and describes the file. */
async function openOnThread(path: string, layout: "sniff" | Hdf5Layout): Promise<{ thread: Hdf5Thread; value: unknown }> {
  assertHdf5File(path);
  const budget = hdf5BudgetMs(statSync(path).size);
  const thread = await acquire();
  const reply = thread.call({ op: "open", path, layout }, budget);
  if (!reply) throw new FileFormatError(path, `HDF5 library did not finish opening the file within ${seconds(budget)} (damaged file?)`);
  if (!reply.ok) {
    release(thread);
    throw new FileFormatError(path, reply.reason);
  }
  return { thread, value: reply.value };
}

/** Which of the two layouts an HDF5 file says it is in (a file without the attribute is ADC2021). */
export async function sniffHdf5Layout(path: string): Promise<Hdf5Layout> {
  const { thread, value } = await openOnThread(path, "sniff");
  release(thread);
  return value as Hdf5Layout;
}

/**
 * Open `path` in `layout` on an HDF5 thread: `info` is what the layout's describer found
 * (./adc2021-describe.ts, ./scoutloop-h5-describe.ts), `file` reads slices. Any failure is one
 * FileFormatError line naming the file. Close `file` when done.
 */
export async function openHdf5Layout<T>(path: string, layout: Hdf5Layout): Promise<{ file: Hdf5Handle; info: T }> {
  const { thread, value } = await openOnThread(path, layout);
  const { handle, info } = value as { handle: number; info: T };
  return { file: new Hdf5Handle(path, thread, handle), info };
}
