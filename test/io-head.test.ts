import { describe, expect, it } from "vitest";
import { eventToJson, headOfBatch } from "../src/io/index.js";
import { fullRandomBatch } from "./io-helpers.js";

describe("headOfBatch", () => {
  it("keeps exactly the first n BX with all their objects", () => {
    const full = fullRandomBatch(17, 5, 60);
    for (const n of [0, 1, 23, 59]) {
      const head = headOfBatch(full, n);
      expect(head.nBx).toBe(n);
      expect(head.orbit).toBe(5);
      for (let i = 0; i < n; i++) expect(eventToJson(head, i)).toEqual(eventToJson(full, i));
      for (const blk of [head.muons, head.jets, head.egammas, head.taus]) expect(blk.offset.length).toBe(n + 1);
      expect(head.jets.hwEt.length).toBe(full.jets.offset[n]);
    }
    expect(headOfBatch(full, 60)).toBe(full);
    expect(headOfBatch(full, 1000)).toBe(full);
  });
});
