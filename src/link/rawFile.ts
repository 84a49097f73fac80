/**
 * Raw link captures (`.raw`): plain concatenated DMA packets, as SCDAQ's file-DMA input replays
 * them. Reading streams the file in chunks through the deframer, so files of any size work.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { Deframer, type DeframerOptions } from "./deframer.js";

/** Write byte parts to a file, respecting backpressure. */
export async function writeRawFile(path: string, parts: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const failed = once(out, "error").then(([e]) => Promise.reject(e as Error));
  failed.catch(() => undefined);
  for await (const p of parts) {
    if (p.length === 0) continue;
    bytes += p.length;
    if (!out.write(p)) await Promise.race([once(out, "drain"), failed]);
  }
  out.end();
  await Promise.race([once(out, "finish"), failed]);
  return bytes;
}

/** Chunks of a file (default 1 MiB, like SCDAQ's DMA packet buffers). */
export async function* readRawChunks(path: string, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes })) yield chunk as Buffer;
}

/** Deframe a whole raw file; `onOrbit` (a DeframerOptions callback) sees each good orbit as it completes. */
export async function deframeFile(path: string, options: DeframerOptions & { chunkBytes?: number } = {}): Promise<Deframer> {
  const d = new Deframer(options);
  for await (const chunk of readRawChunks(path, options.chunkBytes)) d.push(chunk);
  d.end();
  return d;
}
