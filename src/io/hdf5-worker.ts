/**
 * The HDF5 thread, started by ./hdf5-thread.ts: h5wasm reads untrusted files here and never on the
 * main thread, so a damaged file that sends libhdf5 into an endless loop is stopped by the main
 * thread's watchdog (worker.terminate() stops running WASM) instead of hanging the process, and a
 * runaway allocation hits the WASM memory cap below instead of taking the host's memory.
 *
 * Protocol: each request comes on the port in workerData; its reply is posted on that port, then
 * `state[0]` is set to 1 and notified — the main thread waits on it with Atomics.wait and takes the
 * reply with receiveMessageOnPort. A reply says whether libhdf5 aborted or trapped (`poisoned`):
 * Emscripten's runtime is not usable after that, so the main thread retires this thread.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { describeAdc2021 } from "./adc2021-describe.js";
import { FileFormatError } from "./errors.js";
import { type h5, hdf5Reason, isWasmTrap, loadHdf5 } from "./hdf5.js";
import { describeScoutloopH5, isScoutloopLayout } from "./scoutloop-h5-describe.js";
import type { Hdf5Reply, Hdf5Request } from "./hdf5-thread.js";

const { port, state, maxWasmMB } = workerData as { port: MessagePort; state: Int32Array; maxWasmMB: number };

// The WASM heap grows through Memory.prototype.grow, called from Emscripten's JS glue: refusing it
// past the cap makes libhdf5's malloc return NULL (an HDF5 error) or abort — both end as a reply.
type WasmMemory = { buffer: ArrayBuffer; grow(pages: number): number };
const memoryProto = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }).WebAssembly.Memory.prototype;
const grow = memoryProto.grow;
/** Set when a request's growth was refused: its error then says so. */
let capHit = false;
memoryProto.grow = function (this: WasmMemory, pages: number): number {
  if (this.buffer.byteLength + pages * 65536 > maxWasmMB * 2 ** 20) {
    capHit = true;
    throw new RangeError(`HDF5 memory cap of ${maxWasmMB} MB`);
  }
  return grow.call(this, pages);
};

// Emscripten prints "Aborted(…)" and heap-growth refusals through the console it finds at load
// time; the reply says all that counts, and the CLI's errors are one line.
console.log = console.warn = console.error = () => {};

const lib = await loadHdf5();
let aborted = false;
(lib.Module as unknown as { onAbort?: () => void }).onAbort = () => {
  aborted = true;
};

const files = new Map<number, { file: h5.File; datasets: Map<string, h5.Dataset> }>();
let nextHandle = 1;

function open(req: Extract<Hdf5Request, { op: "open" }>): Hdf5Reply {
  let file: h5.File;
  try {
    file = new lib.File(req.path, "r");
  } catch (err) {
    if (isWasmTrap(err)) throw err;
    throw new FileFormatError(req.path, `cannot open HDF5 file: ${hdf5Reason(err)}`);
  }
  try {
    if (req.layout === "sniff") {
      const layout = isScoutloopLayout(file) ? "scoutloop" : "adc2021";
      file.close();
      return { ok: true, value: layout };
    }
    const info = req.layout === "adc2021" ? describeAdc2021(lib, req.path, file) : describeScoutloopH5(lib, req.path, file);
    const handle = nextHandle++;
    files.set(handle, { file, datasets: new Map() });
    return { ok: true, value: { handle, info } };
  } catch (err) {
    // After an abort or a trap no call into WASM is safe, H5Fclose included: the thread goes.
    if (!aborted && !(isWasmTrap(err))) file.close();
    throw err;
  }
}

/** Thrown for the `part`-th slice of a request, so the reply can say which one failed. */
class PartError extends Error {
  constructor(readonly part: number, readonly inner: unknown) {
    super("slice failed");
  }
}

function slices(req: Extract<Hdf5Request, { op: "slices" }>): Hdf5Reply {
  const f = files.get(req.handle);
  if (!f) throw new Error(`HDF5 handle ${req.handle} is not open`);
  const value = req.parts.map(({ name, ranges }, i) => {
    try {
      let ds = f.datasets.get(name);
      if (!ds) {
        const entity = f.file.get(name);
        if (!(entity instanceof lib.Dataset)) throw new Error(`"${name}" is not a dataset`);
        f.datasets.set(name, (ds = entity));
      }
      return ds.slice(ranges);
    } catch (err) {
      throw new PartError(i, err);
    }
  });
  return { ok: true, value };
}

function handle(req: Hdf5Request): Hdf5Reply {
  switch (req.op) {
    case "open":
      return open(req);
    case "slices":
      return slices(req);
    case "close": {
      files.get(req.handle)?.file.close();
      files.delete(req.handle);
      return { ok: true, value: (lib.Module as unknown as { HEAPU8: Uint8Array }).HEAPU8.length };
    }
  }
}

/** The typed arrays of a reply (up to three levels down), moved rather than copied. */
function transfers(value: unknown, depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) return [value.buffer as ArrayBuffer];
  if (depth > 2 || !value || typeof value !== "object") return [];
  return [...new Set(Object.values(value).flatMap((v) => transfers(v, depth + 1)))];
}

port.on("message", (req: Hdf5Request) => {
  let reply: Hdf5Reply;
  capHit = false;
  try {
    reply = handle(req);
  } catch (caught) {
    const part = caught instanceof PartError ? caught.part : undefined;
    const err = caught instanceof PartError ? caught.inner : caught;
    const trapped = isWasmTrap(err);
    aborted ||= trapped;
    const reason = err instanceof FileFormatError ? err.reason
      : trapped ? `HDF5 library failed (${(err as Error).message}; damaged file?)` : hdf5Reason(err);
    reply = { ok: false, part, reason: capHit ? `${reason} (the HDF5 thread's memory cap of ${maxWasmMB} MB was reached; SCOUTLOOP_HDF5_MAX_MB raises it)` : reason };
  }
  if (aborted) reply.poisoned = true;
  try {
    port.postMessage(reply, reply.ok ? transfers(reply.value) : []);
  } catch (err) {
    port.postMessage({ ok: false, reason: `HDF5 reply could not be sent: ${(err as Error).message}`, poisoned: true } satisfies Hdf5Reply);
  }
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
});
parentPort!.postMessage("ready");
