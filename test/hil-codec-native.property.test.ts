// The native SCORE / SCORE_REPLY payload codec (native/hil_codec.cc) and the emulator's native
// reply flags against their TS references in src/hil, byte for byte on random messages.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeScore, encodeScoreReply, packScoreReference, payloadReference, ScoreScratch } from "../src/hil/codec.js";
import { replyFlagsReference } from "../src/hil/emulator.js";
import { MsgType, type ScoreReply } from "../src/hil/protocol.js";
import { native } from "../src/native.js";

const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), 131071, -131072));
const uint32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 31));

const requestArb = fc
  .record({ nF: fc.integer({ min: 1, max: 64 }), first: fc.integer({ min: 0, max: 5 }), n: fc.integer({ min: 0, max: 40 }) })
  .chain(({ nF, first, n }) =>
    fc.record({
      nF: fc.constant(nF),
      first: fc.constant(first),
      n: fc.constant(n),
      orbit: fc.array(uint32, { minLength: first + n, maxLength: first + n }),
      bx: fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: first + n, maxLength: first + n }),
      features: fc.array(int32, { minLength: (first + n) * nF, maxLength: (first + n) * nF }),
    }),
  );

describe("native board codec", () => {
  it("SCORE: native pack = TS reference bytes; decode (fresh or into reused scratch) = TS reference", () => {
    const scratch = new ScoreScratch();
    fc.assert(
      fc.property(requestArb, ({ nF, first, n, orbit, bx, features }) => {
        const o = Uint32Array.from(orbit), b = Uint16Array.from(bx), f = Int32Array.from(features);
        const raw = encodeScore(9, o, b, f, nF, first, n);
        const ref = Buffer.alloc(raw.payload.length);
        packScoreReference(ref, o, b, f, nF, first, n);
        expect(Buffer.compare(raw.payload, ref)).toBe(0);
        const want = payloadReference.unpackScore(ref, n, nF);
        for (const into of [undefined, scratch]) {
          const msg = decodeMessage(raw, into);
          if (msg.type !== MsgType.SCORE) throw new Error("not a SCORE");
          expect(msg.request.n).toBe(n);
          expect(msg.request.orbit).toEqual(want.orbit);
          expect(msg.request.bx).toEqual(want.bx);
          expect(msg.request.features).toEqual(want.features);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("SCORE_REPLY: native pack = TS reference bytes (cycle counters up to 2^53), decode = TS reference", () => {
    const cycle = fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1));
    const replyArb = fc.integer({ min: 0, max: 40 }).chain((n) =>
      fc.record({
        orbit: fc.array(uint32, { minLength: n, maxLength: n }),
        bx: fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: n, maxLength: n }),
        flags: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n }),
        score: fc.array(int32, { minLength: n, maxLength: n }),
        ingress: fc.array(cycle, { minLength: n, maxLength: n }),
        egress: fc.array(cycle, { minLength: n, maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(replyArb, (r) => {
        const reply: ScoreReply = {
          n: r.orbit.length, orbit: Uint32Array.from(r.orbit), bx: Uint16Array.from(r.bx), flags: Uint8Array.from(r.flags),
          score: Int32Array.from(r.score), ingressCycle: Float64Array.from(r.ingress), egressCycle: Float64Array.from(r.egress),
        };
        const raw = encodeScoreReply(3, reply);
        expect(Buffer.compare(raw.payload, payloadReference.packReply(reply))).toBe(0);
        const msg = decodeMessage(raw);
        if (msg.type !== MsgType.SCORE_REPLY) throw new Error("not a SCORE_REPLY");
        expect(msg.reply).toEqual(payloadReference.unpackReply(raw.payload, reply.n));
        expect(msg.reply).toEqual(reply);
      }),
      { numRuns: 300 },
    );
  });

  it("emulator reply flags: native = TS reference, on and around the input and output bounds", () => {
    const inMin = -131072, inMax = 131071, outMin = -2048, outMax = 2047;
    const near = fc.oneof(fc.integer({ min: inMin - 2, max: inMin + 2 }), fc.integer({ min: inMax - 2, max: inMax + 2 }), fc.integer({ min: -1000, max: 1000 }), int32);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 30 }), fc.boolean(), fc.infiniteStream(near), fc.infiniteStream(fc.oneof(fc.constantFrom(outMin, outMax, 0), int32)), (nF, n, sat, vs, rs) => {
        const features = Int32Array.from({ length: n * nF }, () => vs.next().value);
        const raw = Int32Array.from({ length: n }, () => rs.next().value);
        const flags = new Uint8Array(n).fill(0xee);
        native.hilReplyFlags(features, n, nF, inMin, inMax, raw, outMin, outMax, sat, flags);
        expect(flags).toEqual(replyFlagsReference(features, n, nF, inMin, inMax, raw, outMin, outMax, sat));
      }),
      { numRuns: 300 },
    );
  });

  it("native unpackers refuse payloads whose length does not match the counts", () => {
    const p = Buffer.alloc(8 + 10);
    expect(() => native.hilUnpackScore(p, 1, 57, new Uint32Array(1), new Uint16Array(1), new Int32Array(57))).toThrow(/do not match/);
    expect(() => native.hilUnpackReply(p, 1, new Uint32Array(1), new Uint16Array(1), new Uint8Array(1), new Int32Array(1), new Float64Array(1), new Float64Array(1))).toThrow(/do not match/);
    expect(() => native.hilPackScore(new Uint32Array(2), new Uint16Array(2), new Int32Array(10), 57, 0, 2, Buffer.alloc(1000))).toThrow(/shorter/);
  });
});
