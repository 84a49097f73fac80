/**
 * Loading h5wasm and turning libhdf5 failures into one-line reasons.
 *
 * We use the Node build (`h5wasm/node`), compiled by h5wasm with Emscripten NODERAWFS, so files
 * are read and written directly on the host file system: no copy into an in-memory FS and nothing
 * to free there. Each opened `File` holds an HDF5 id, which callers must `close()`.
 *
 * Files we did not write are read on an HDF5 thread under a watchdog (./hdf5-thread.ts), never
 * with this module's h5wasm on the main thread: libhdf5 can loop forever on a damaged file. The
 * main thread's h5wasm writes (./h5-writer.ts, ./adc2021-writer.ts).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type * as h5 from "h5wasm/node";
import { FileFormatError } from "./errors.js";

export type { h5 };
export type H5 = typeof h5;

let loaded: Promise<H5> | null = null;

/**
 * h5wasm, loaded and ready to use. libhdf5's default error handler prints a diagnostic stack to stderr; the
 * throwing handler (h5wasm `activate_throwing_error_handler`) makes every failure a JS exception
 * instead, which we shorten with {@link hdf5Reason}.
 */
export function loadHdf5(): Promise<H5> {
  // Imported on first use: compiling the wasm takes ~0.3 s that `--help` and non-HDF5 work skip.
  loaded ??= import("h5wasm/node").then(async (lib) => {
    await lib.ready;
    lib.Module.activate_throwing_error_handler();
    return lib;
  });
  return loaded;
}

/**
 * The innermost cause of a libhdf5 error stack, e.g. "truncated file: eof = 2048, sblock->base_addr
 * = 0, stored_eof = 6082048". The stack lines look like `#006: <file> line N in F(): <cause>`.
 */
export function hdf5Reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const causes = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)].map((m) => m[1].trim());
  if (causes.length > 0) return causes[causes.length - 1];
  return text.split("\n")[0] || "unknown HDF5 error";
}

/**
 * True for a WebAssembly.RuntimeError: libhdf5 called abort() ("Aborted(…)") or trapped. After one
 * no call into that h5wasm instance is safe (./hdf5-worker.ts retires its thread).
 */
export function isWasmTrap(err: unknown): boolean {
  return err instanceof Error && err.name === "RuntimeError";
}

/** The 8-byte HDF5 format signature (HDF5 File Format Specification, "Format Signature"). */
const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Check that `path` is a readable regular file that carries the HDF5 signature. The superblock sits
 * at offset 0 or, after a user block, at 512, 1024, 2048, … (spec: "Superblock"). Doing this
 * ourselves gives a clear message instead of libhdf5's "unable to open file".
 */
export function assertHdf5File(path: string): void {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new FileFormatError(path, "not a regular file");
    size = st.size;
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    throw new FileFormatError(path, `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(SIGNATURE.length);
    for (let offset = 0; offset + SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      if (readSync(fd, buf, 0, buf.length, offset) === buf.length && buf.equals(SIGNATURE)) return;
    }
  } finally {
    closeSync(fd);
  }
  throw new FileFormatError(path, size === 0 ? "empty file, not HDF5" : "not an HDF5 file (no HDF5 signature)");
}
