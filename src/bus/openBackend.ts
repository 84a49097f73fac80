/**
 * Open a scoring backend from its spec (backends.ts): in-process software scorers, an emulated
 * board started in-process on a free loopback port, or a board described by a profile. Board
 * backends check HELLO against the model before any data is sent: a board computing with other
 * formats or another model would produce mismatches that say nothing about the firmware.
 */
import { BoardClient } from "../hil/client.js";
import { BoardMismatchError } from "../hil/errors.js";
import { profileForModel, startEmulator, type Emulator } from "../hil/emulator.js";
import { loadProfile, profileAddress, type BoardProfile } from "../hil/profile.js";
import type { HelloInfo } from "../hil/protocol.js";
import type { RtlBoard } from "../rtl/board.js";
import { formatFixed, nativeScorer, type ScoringModel } from "../scoring/index.js";
import type { BackendSpec, OpenBackend } from "./backends.js";
import { boardScorer } from "./scorers/board.js";
import { softwareScorer } from "./scorers/software.js";
import { workerPoolScorer } from "./scorers/workerPool.js";

export interface BackendContext {
  name: string;
  model: ScoringModel;
  /** Fault spec for an in-process emulator (e.g. "wrong-bits=0.001"). */
  fault?: string;
  /** Emulator fault seed. */
  seed?: number;
  /** Software backends: score in this many worker threads (0 = on the main thread). */
  workers?: number;
  /** Board client overrides of the profile's limits (shorter timeouts for tests and CI). */
  client?: { replyTimeoutMs?: number; retries?: number; reconnects?: number };
}

function helloMismatch(hello: HelloInfo, model: ScoringModel): string | null {
  const problems: string[] = [];
  if (hello.inputFormat !== formatFixed(model.inputFormat)) problems.push(`input format ${hello.inputFormat} != model's ${formatFixed(model.inputFormat)}`);
  if (hello.outputFormat !== formatFixed(model.outputFormat)) problems.push(`output format ${hello.outputFormat} != model's ${formatFixed(model.outputFormat)}`);
  if (hello.nFeatures !== model.nFeatures) problems.push(`${hello.nFeatures} features != model's ${model.nFeatures}`);
  if (hello.modelId && hello.modelId !== model.id) problems.push(`model id ${hello.modelId} != ${model.id}`);
  return problems.length ? problems.join("; ") : null;
}

function describeHello(h: HelloInfo, address: string): string {
  return `${h.boardName} at ${address} (firmware ${h.firmwareId || "?"}, model ${h.modelId || "?"}, ${h.clockKHz / 1000} MHz, latency ${h.latencyCycles} cycles)`;
}

export async function openBackend(spec: BackendSpec, ctx: BackendContext): Promise<OpenBackend & { emulator?: Emulator; client?: BoardClient; rtl?: RtlBoard }> {
  switch (spec.kind) {
    case "software":
    case "native":
      if ((ctx.workers ?? 0) > 0) {
        const scorer = await workerPoolScorer(ctx.model, { workers: ctx.workers!, name: ctx.name, native: spec.kind === "native" });
        return { scorer, describe: `fixed-point model (${spec.kind === "native" ? "native C++" : "TypeScript reference"}) in ${ctx.workers} worker threads`, close: () => scorer.close!() };
      }
      if (spec.kind === "native") {
        return { scorer: softwareScorer(nativeScorer(ctx.model), { name: ctx.name }), describe: "fixed-point model, native C++ scorer", close: async () => {} };
      }
      return { scorer: softwareScorer(ctx.model, { name: ctx.name }), describe: "fixed-point software model (TypeScript, bit-exact)", close: async () => {} };
    case "float":
      return { scorer: softwareScorer(ctx.model, { name: ctx.name, fixed: false }), describe: "float reference model (compare with --tolerance)", close: async () => {} };
    case "emulator": {
      const profile = profileForModel(loadProfile("emulator-zmq"), ctx.model);
      // The emulated firmware computes with the C++ scorer: fast, and an implementation
      // independent of the TS reference the software side uses by default.
      const emulator = await startEmulator({ model: nativeScorer(ctx.model), profile, zmq: "tcp://127.0.0.1:*", faults: ctx.fault, seed: ctx.seed });
      let client: BoardClient;
      try {
        client = await BoardClient.connect({ profile, address: emulator.address, expectModelId: ctx.model.id, ...ctx.client });
      } catch (err) {
        await emulator.close();
        throw err;
      }
      return {
        scorer: boardScorer(client, ctx.name),
        describe: `in-process emulated ${describeHello(client.hello, emulator.address)}${ctx.fault ? `, faults ${ctx.fault}` : ""}`,
        emulator,
        client,
        close: async () => {
          await client.close();
          await emulator.close();
        },
      };
    }
    case "board": {
      if (ctx.fault) throw new Error("--fault applies to the in-process emulated board only");
      const profile = loadProfile(spec.profile);
      if (profile.rtl) return openRtlBoard(profile, ctx);
      // A model id is demanded only where the profile names one (a board without model ids, e.g.
      // plain RTL, reports none); one the board does report must be this model's (helloMismatch).
      const client = await BoardClient.connect({ profile, ...ctx.client });
      const mismatch = helloMismatch(client.hello, ctx.model);
      if (mismatch) {
        await client.close();
        throw new BoardMismatchError(profile.name, [`it does not compute with this model: ${mismatch}`]);
      }
      return { scorer: boardScorer(client, ctx.name), describe: describeHello(client.hello, profileAddress(profile)), client, close: () => client.close() };
    }
  }
}

/** A profile with `rtl`: the model's Verilog board, built (cached) and simulated in-process. */
async function openRtlBoard(profile: BoardProfile, ctx: BackendContext): Promise<OpenBackend & { client: BoardClient; rtl: RtlBoard }> {
  const { startRtlForModel } = await import("../rtl/inprocess.js");
  const run = await startRtlForModel(ctx.model, profile, { log: (l) => process.stderr.write(`${l}\n`) });
  let client: BoardClient;
  try {
    client = await BoardClient.connect({ profile: run.profile, expectModelId: ctx.model.id, ...ctx.client });
  } catch (err) {
    await run.board.close();
    throw err;
  }
  return {
    scorer: boardScorer(client, ctx.name),
    describe: `in-process RTL ${describeHello(client.hello, run.board.address)}, build ${run.dir}${run.cached ? " (cached)" : ""}`,
    client,
    rtl: run.board,
    close: async () => {
      await client.close();
      await run.board.close();
    },
  };
}
