/**
 * Loading h5wasm and turning libhdf5 failures into one-line reasons.
 *
 * We use the Node build (`h5wasm/node`), compiled by h5wasm with Emscripten NODERAWFS, so files
 * are read and written directly on the host file system: no copy into an in-memory FS and nothing
 * to free there. Each opened `File` holds an HDF5 id, which callers must `close()`.
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
 * Run an h5wasm call with its Emscripten abort notice kept off stderr. On some corrupt files
 * libhdf5 calls abort(); Emscripten prints "Aborted(...)" through a console.error bound at load
 * time, then throws — we turn the throw into a one-line FileFormatError, so the extra stderr line
 * would only break the CLI's one-line error contract. Everything else is passed through.
 */
export function quietAbort<T>(fn: () => T): T {
  const stderr = process.stderr;
  const write = stderr.write;
  stderr.write = function (this: typeof stderr, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === "string" && chunk.startsWith("Aborted(")) return true;
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof stderr.write;
  try {
    return fn();
  } finally {
    stderr.write = write;
  }
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

/** Open an HDF5 file for reading, with the signature checked and libhdf5 errors made one line. */
export async function openHdf5(path: string): Promise<h5.File> {
  const lib = await loadHdf5();
  assertHdf5File(path);
  try {
    return quietAbort(() => new lib.File(path, "r"));
  } catch (err) {
    throw new FileFormatError(path, `cannot open HDF5 file: ${hdf5Reason(err)}`);
  }
}

/**
 * Open an HDF5 file and read its layout with `describe`; on any failure the file is closed and the
 * error is one FileFormatError line naming the path (libhdf5's aborts stay off stderr).
 */
export async function openDescribedHdf5<T>(path: string, describe: (lib: H5, file: h5.File) => T): Promise<T> {
  const lib = await loadHdf5();
  const file = await openHdf5(path);
  try {
    return quietAbort(() => describe(lib, file));
  } catch (err) {
    file.close();
    if (err instanceof FileFormatError) throw err;
    throw new FileFormatError(path, hdf5Reason(err));
  }
}
