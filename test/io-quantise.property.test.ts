import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffBatches } from "../src/events/batch.js";
import { extractFeatures } from "../src/events/features.js";
import { ADC_ROW, rowsToBatch } from "../src/io/index.js";

/** ADC2021 rows in physical units, filled slots given their class id, as the public files are. */
const SLOT_CLASS = [1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4];
const slot = (s: number) =>
  fc.option(
    fc.tuple(
      fc.float({ min: 0, max: Math.fround(3000), noNaN: true }),
      s === 0 ? fc.constant(0) : fc.float({ min: Math.fround(-5), max: Math.fround(5), noNaN: true }),
      fc.float({ min: Math.fround(-Math.PI), max: Math.fround(Math.PI), noNaN: true }),
    ),
    { nil: null },
  );
const row = fc.tuple(...SLOT_CLASS.map((_, s) => slot(s)));

function toRows(events: (readonly ([number, number, number] | null)[])[]): Float32Array {
  const rows = new Float32Array(events.length * ADC_ROW);
  events.forEach((ev, e) => ev.forEach((obj, s) => {
    if (!obj && s !== 0) return;
    const o = e * ADC_ROW + s * 4;
    rows.set([...(obj ?? [0, 0, 0]), SLOT_CLASS[s]], o);
  }));
  return rows;
}

/** Physical features -> ADC2021 rows, filling class ids from the batch's object counts. */
function batchToRows(b: ReturnType<typeof rowsToBatch>): Float32Array {
  const f = extractFeatures(b);
  const rows = new Float32Array(b.nBx * ADC_ROW);
  for (let i = 0; i < b.nBx; i++) {
    const n = [1, b.egammas.offset[i + 1] - b.egammas.offset[i], b.muons.offset[i + 1] - b.muons.offset[i], b.jets.offset[i + 1] - b.jets.offset[i]];
    const first = [0, 1, 5, 9];
    for (let s = 0; s < 19; s++) {
      const k = SLOT_CLASS[s] - 1;
      rows.set([f[i * 57 + 3 * s], f[i * 57 + 3 * s + 1], f[i * 57 + 3 * s + 2], s - first[k] < n[k] ? SLOT_CLASS[s] : 0], i * ADC_ROW + s * 4);
    }
  }
  return rows;
}

describe("ADC2021 quantisation", () => {
  it("is idempotent: physical -> hardware -> physical -> hardware changes nothing the second time", () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), (events) => {
        const bx = events.map((_, i) => i + 1);
        const first = rowsToBatch(1, toRows(events), events.length, bx, null);
        const again = rowsToBatch(1, batchToRows(first), events.length, bx, null);
        expect(diffBatches(again, first)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("keeps objects sorted by hardware pT and counts filled slots", () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), (events) => {
        const b = rowsToBatch(1, toRows(events), events.length, events.map((_, i) => i + 1), null);
        events.forEach((ev, i) => {
          expect(b.egammas.offset[i + 1] - b.egammas.offset[i]).toBe(ev.slice(1, 5).filter(Boolean).length);
          expect(b.muons.offset[i + 1] - b.muons.offset[i]).toBe(ev.slice(5, 9).filter(Boolean).length);
          expect(b.jets.offset[i + 1] - b.jets.offset[i]).toBe(ev.slice(9).filter(Boolean).length);
        });
        for (const [blk, key] of [[b.egammas, b.egammas.hwEt], [b.muons, b.muons.hwPt], [b.jets, b.jets.hwEt]] as const) {
          for (let i = 0; i < b.nBx; i++) for (let j = blk.offset[i] + 1; j < blk.offset[i + 1]; j++) expect(key[j]).toBeLessThanOrEqual(key[j - 1]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
