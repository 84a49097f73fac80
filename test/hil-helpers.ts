/** Shared pieces of the HIL tests: fast profiles, batches, accounting checks. */
import { afterEach, expect } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { BoardClient, EVENT_STATUS_NAMES, EventStatus, loadProfile, type BoardBatchResult, type BoardProfile } from "../src/hil/index.js";
import type { EmulatorModel } from "../src/hil/emulator.js";
import { testInputs } from "./hil-model.js";

export interface Closable {
  close(): Promise<void>;
}

/** Returns `track(x)`: everything tracked in a test is closed after it, newest first. Call at module level. */
export function closeAfterEachTest(): <T extends Closable>(x: T) => T {
  const open: Closable[] = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });
  return (x) => {
    open.push(x);
    return x;
  };
}

/** A shipped profile with short timeouts, so fault tests finish quickly. */
export function fastProfile(name: string, over: Partial<BoardProfile> = {}): BoardProfile {
  const p = loadProfile(name);
  return { ...p, timeouts: { helloMs: 400, replyMs: 80, pingMs: 80 }, retries: 4, reconnects: 2, ...over };
}

export function ipcEndpoint(): string {
  return `ipc://${join(tmpdir(), `scoutloop-hil-${randomBytes(6).toString("hex")}.sock`)}`;
}

export interface Orbit {
  orbit: number;
  n: number;
  bx: Uint16Array;
  features: Int32Array;
}

export function makeOrbits(count: number, n: number, nFeatures = 57, firstOrbit = 100): Orbit[] {
  return Array.from({ length: count }, (_, o) => ({
    orbit: firstOrbit + o,
    n,
    bx: Uint16Array.from({ length: n }, (_, i) => 1 + ((i * 13) % 3564)),
    features: testInputs(n, nFeatures, 1000 + o),
  }));
}

export interface RunTally {
  sent: number;
  scored: number;
  failed: number;
  failures: Record<string, number>;
  /** Scored events whose bits differ from the model, as "orbit:bx". */
  mismatches: string[];
  results: BoardBatchResult[];
}

/** Score all orbits concurrently (the client's window throttles) and check against the model. */
export async function scoreAll(client: BoardClient, model: EmulatorModel, orbits: Orbit[]): Promise<RunTally> {
  const results = await Promise.all(orbits.map((o) => client.score({ n: o.n, orbit: o.orbit, bx: o.bx, features: o.features })));
  const tally: RunTally = { sent: 0, scored: 0, failed: 0, failures: {}, mismatches: [], results };
  results.forEach((r, k) => {
    const o = orbits[k]!;
    const want = model.scoreFixedRaw(o.features, o.n);
    tally.sent += o.n;
    tally.scored += r.scored;
    tally.failed += r.failed;
    for (const [reason, c] of Object.entries(r.failures)) tally.failures[reason] = (tally.failures[reason] ?? 0) + c;
    let scored = 0;
    let failed = 0;
    for (let i = 0; i < r.n; i++) {
      if (r.status[i] === EventStatus.SCORED) {
        scored++;
        if (r.score[i] !== want[i]) tally.mismatches.push(`${o.orbit}:${o.bx[i]}`);
      } else {
        failed++;
        expect(EVENT_STATUS_NAMES[r.status[i]!]).toBeDefined();
      }
    }
    // Per-batch accounting: counts agree with the status array.
    expect(scored).toBe(r.scored);
    expect(failed).toBe(r.failed);
    expect(r.scored + r.failed).toBe(o.n);
  });
  expect(tally.scored + tally.failed).toBe(tally.sent);
  expect(Object.values(tally.failures).reduce((a, b) => a + b, 0)).toBe(tally.failed);
  return tally;
}
