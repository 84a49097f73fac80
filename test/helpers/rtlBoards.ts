/** Shared RTL builds for the shell tests: the protocol-vector board and a raw byte-stream client. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureRtlBuild, type RtlBuildInfo } from "../../src/rtl/build.js";
import { spawnRtlSim, type RtlSimStats } from "../../src/rtl/board.js";
import { CobsDecoder, cobsEncode } from "../../src/hil/cobs.js";
import { parseHexDump, VECTOR_HELLO, VECTORS_BEGIN, VECTORS_END } from "../../src/hil/vectors.js";
import { PACKAGE_ROOT } from "../../src/native.js";
import { fixtureCore } from "./rtlFixtureCore.js";

/** The board the doc's vectors describe (VECTOR_HELLO) around the fixture core (sum of features). */
export function vectorBoardBuild(): Promise<{ dir: string; info: RtlBuildInfo; cached: boolean }> {
  const core = fixtureCore({
    nFeatures: 57, inWidth: 18, outWidth: 18, latency: VECTOR_HELLO.latencyCycles, modelId: VECTOR_HELLO.modelId,
    inputFormat: VECTOR_HELLO.inputFormat, outputFormat: VECTOR_HELLO.outputFormat,
  });
  return ensureRtlBuild({
    core,
    identity: {
      boardName: VECTOR_HELLO.boardName, firmwareId: VECTOR_HELLO.firmwareId, firmwareHash: VECTOR_HELLO.firmwareHash,
      clockMHz: VECTOR_HELLO.clockKHz / 1000, clocksPerBit: 8, maxBatch: VECTOR_HELLO.maxBatch,
    },
  });
}

/** The hex blocks of docs/board-protocol.md §7, by heading. */
export function docVectors(): Map<string, Buffer> {
  const doc = readFileSync(join(PACKAGE_ROOT, "docs", "board-protocol.md"), "utf8");
  const md = doc.slice(doc.indexOf(VECTORS_BEGIN), doc.indexOf(VECTORS_END));
  const out = new Map<string, Buffer>();
  for (const m of md.matchAll(/### ([^\n]+)\n[\s\S]*?```hex\n([\s\S]*?)```/g)) out.set(m[1]!.trim(), parseHexDump(m[2]!));
  return out;
}

/** Talks to the simulator's byte-stream port directly: raw bytes in, decoded frames out. */
export class RawSimClient {
  private frames: Buffer[] = [];
  private waiter: (() => void) | null = null;
  readonly exited: Promise<RtlSimStats | null>;
  private readonly child;

  constructor(dir: string, info: RtlBuildInfo) {
    const sim = spawnRtlSim(dir, info, "stream", ["pipe", "pipe", "pipe"]);
    this.child = sim.child;
    this.exited = sim.exited;
    const dec = new CobsDecoder((f) => {
      this.frames.push(f);
      this.waiter?.();
    });
    this.child.stdout!.on("data", (d: Buffer) => dec.push(d));
  }

  sendRaw(bytes: Uint8Array): void {
    this.child.stdin!.write(bytes);
  }

  send(message: Uint8Array): void {
    this.sendRaw(cobsEncode(message));
  }

  async next(timeoutMs = 20_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply from the RTL board within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
      this.waiter = null;
    }
    return this.frames.shift()!;
  }

  pending(): number {
    return this.frames.length;
  }

  async close(): Promise<RtlSimStats | null> {
    this.child.stdin!.end();
    return this.exited;
  }
}
