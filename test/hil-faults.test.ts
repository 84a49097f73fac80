import { describe, expect, it } from "vitest";
import { FaultRng, FaultSpecError, formatFaultSpec, NO_FAULTS, parseFaultSpec } from "../src/hil/index.js";

describe("fault spec", () => {
  it("parses the documented example", () => {
    const f = parseFaultSpec("drop=0.01,delay=5ms,corrupt=0.001,reorder,disconnect-after=7,wrong-bits=0.0001,flag-lies=0.5");
    expect(f).toEqual({ ...NO_FAULTS, drop: 0.01, delayMs: 5, corrupt: 0.001, reorder: true, disconnectAfter: 7, wrongBits: 0.0001, flagLies: 0.5 });
    const g = parseFaultSpec("truncate=0.1,duplicate=0.2,wrong-seq=0.3,wrong-bx=0.4,short-reply=0.5,error=BUSY");
    expect(g).toEqual({ ...NO_FAULTS, truncate: 0.1, duplicate: 0.2, wrongSeq: 0.3, wrongBx: 0.4, shortReply: 0.5, errorCode: 8 });
    expect(parseFaultSpec(formatFaultSpec(g))).toEqual(g);
    expect(parseFaultSpec("error=9").errorCode).toBe(9);
    expect(() => parseFaultSpec("error=NOPE")).toThrow(/ERROR code name or number/);
    expect(parseFaultSpec(formatFaultSpec(f))).toEqual(f);
    expect(parseFaultSpec("delay=0.2s").delayMs).toBe(200);
    expect(formatFaultSpec(parseFaultSpec(""))).toBe("none");
  });

  it("every field of the spec has a key, printed in one fixed order and parsed back", () => {
    const all = "drop=0.1,delay=2ms,corrupt=0.2,reorder,disconnect-after=3,wrong-bits=0.3,flag-lies=0.4,truncate=0.5,duplicate=0.6,wrong-seq=0.7,wrong-bx=0.8,short-reply=0.9,error=BAD_CRC";
    const f = parseFaultSpec(all);
    for (const [field, none] of Object.entries(NO_FAULTS)) expect(f[field as keyof typeof f], field).not.toBe(none);
    expect(formatFaultSpec(f)).toBe(all);
    expect(() => parseFaultSpec("nope")).toThrow(`unknown fault "nope" (known: drop, delay, corrupt, reorder, disconnect-after, wrong-bits, flag-lies, truncate, duplicate, wrong-seq, wrong-bx, short-reply, error)`);
  });

  it("rejects bad specs with one clear error", () => {
    for (const [spec, msg] of [
      ["drop=1.5", /probability/],
      ["drop", /probability/],
      ["delay=fast", /duration/],
      ["reorder=1", /no value/],
      ["disconnect-after=0", /positive integer/],
      ["explode=1", /unknown fault "explode"/],
    ] as const) {
      expect(() => parseFaultSpec(spec), spec).toThrow(FaultSpecError);
      expect(() => parseFaultSpec(spec), spec).toThrow(msg);
    }
  });

  it("the seeded generator is reproducible and roughly uniform", () => {
    const a = new FaultRng(42);
    const b = new FaultRng(42);
    const xs = Array.from({ length: 20000 }, () => a.next());
    expect(xs.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(new FaultRng(43).next()).not.toBe(new FaultRng(42).next());
  });
});
