import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BOARDS_DIR, loadProfile, ProfileError, validateProfile } from "../src/hil/index.js";

const shipped = readdirSync(BOARDS_DIR).filter((f) => f.endsWith(".json") && f !== "schema.json");

describe("board profiles", () => {
  it("ships the six profiles and every one validates", () => {
    expect(shipped.sort()).toEqual(["arty-a7-uart.json", "emulator-serial.json", "emulator-zmq.json", "rtl-uart.json", "rtl-zmq.json", "zcu104-zmq.json"]);
    for (const f of shipped) {
      const p = loadProfile(join(BOARDS_DIR, f));
      expect(p.name).toBe(f.replace(/\.json$/, ""));
      expect(p.inputFormat).toMatch(/^ap_fixed<\d+,\d+,AP_\w+,AP_\w+>$/); // canonical spelling
    }
    expect(loadProfile("arty-a7-uart").transport).toMatchObject({ kind: "serial", baudRate: 12_000_000, flowControl: "none", pacing: true });
    expect(loadProfile("zcu104-zmq").clockMHz).toBe(200);
    // the RTL UART divider comes from clock / baud: 96 MHz / 12 Mbaud = 8 cycles per bit
    expect(loadProfile("rtl-uart").rtl).toEqual({ simulator: "verilator", clocksPerBit: 8 });
    expect(loadProfile("rtl-zmq").rtl?.simulator).toBe("verilator");
  });

  it("rejects an RTL serial profile whose clock is not a whole number of cycles per bit", () => {
    const json = JSON.parse(readFileSync(join(BOARDS_DIR, "rtl-uart.json"), "utf8"));
    expect(() => validateProfile({ ...json, clockMHz: 100 })).toThrow(/rtl: clockMHz \/ baudRate must be a whole number/);
    expect(() => validateProfile({ ...json, rtl: { simulator: "icarus" } })).toThrow(/rtl.simulator/);
  });

  it("the validator and boards/schema.json know the same fields", () => {
    const schema = JSON.parse(readFileSync(join(BOARDS_DIR, "schema.json"), "utf8"));
    const fromSchema = Object.keys(schema.properties).sort();
    const p = validateProfile({ ...JSON.parse(readFileSync(join(BOARDS_DIR, "zcu104-zmq.json"), "utf8")), modelId: "x", rtl: { simulator: "verilator" } });
    const fromCode = ["$schema", ...Object.keys(p)].sort();
    expect(fromCode).toEqual(fromSchema);
    expect(schema.required.every((k: string) => fromSchema.includes(k))).toBe(true);
  });

  it("lists every problem of a bad profile with its path", () => {
    const bad = {
      name: "Bad Name", transport: { kind: "serial", path: "/dev/x", baudRate: 5e7, flowControl: "maybe", extra: 1 },
      clockMHz: 0, inputFormat: "ap_fixed<18>", outputFormat: "ap_fixed<10,7,AP_RND_CONV,AP_SAT>",
      nFeatures: 57, maxBatch: 5000, latencyCycles: 10, timeouts: { helloMs: 10, replyMs: 10 }, colour: "red",
    };
    let err: ProfileError | undefined;
    try {
      validateProfile(bad, "bad.json");
    } catch (e) {
      err = e as ProfileError;
    }
    expect(err).toBeInstanceOf(ProfileError);
    const paths = err!.problems.map((p) => p.split(":")[0]);
    expect(paths.sort()).toEqual(["clockMHz", "colour", "inputFormat", "maxBatch", "name", "timeouts.pingMs", "transport.baudRate", "transport.extra", "transport.flowControl"].sort());
    expect(err!.message).toMatch(/^invalid board profile bad\.json: /);
    expect(() => loadProfile("no-such-board")).toThrow(/no such file/);
    expect(() => validateProfile([])).toThrow(ProfileError);
  });
});
