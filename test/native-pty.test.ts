import { describe, expect, it } from "vitest";
import { SerialPort } from "serialport";
import { closeSync, readSync, writeSync } from "node:fs";
import { native } from "../src/native.js";

/** Read from the non-blocking master fd until `want` bytes arrived or the deadline passes. */
async function readMaster(fd: number, want: number, timeoutMs = 3000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const deadline = Date.now() + timeoutMs;
  const buf = Buffer.alloc(4096);
  while (got < want && Date.now() < deadline) {
    try {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n > 0) {
        chunks.push(Buffer.from(buf.subarray(0, n)));
        got += n;
        continue;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return Buffer.concat(chunks);
}

describe("native pty helper", () => {
  it("opens a master fd and a /dev/pts slave path", () => {
    const pty = native.openPty();
    try {
      expect(pty.fd).toBeGreaterThan(2);
      expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/);
    } finally {
      closeSync(pty.fd);
    }
  });

  it("gives a pair that serialport writes through, byte-exact in both directions", async () => {
    const pty = native.openPty();
    const port = new SerialPort({ path: pty.path, baudRate: 115200, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      // Every byte value, including the ones a cooked tty would eat (0x03, 0x0a, 0x0d, 0x7f).
      const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await new Promise<void>((resolve, reject) => port.write(payload, (err) => (err ? reject(err) : resolve())));
      await new Promise<void>((resolve, reject) => port.drain((err) => (err ? reject(err) : resolve())));
      const received = await readMaster(pty.fd, payload.length);
      expect(received.equals(payload)).toBe(true);

      const back = Buffer.from("scoutloop\x00\xff\x0d\x0a", "latin1");
      const fromMaster = new Promise<Buffer>((resolve) => {
        const parts: Buffer[] = [];
        port.on("data", (d: Buffer) => {
          parts.push(d);
          const all = Buffer.concat(parts);
          if (all.length >= back.length) resolve(all);
        });
      });
      writeSync(pty.fd, back);
      expect((await fromMaster).equals(back)).toBe(true);
    } finally {
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      closeSync(pty.fd);
    }
  });

  it("rejects bad arguments with an error instead of crashing", () => {
    expect(() => (native.setRaw as unknown as (x: unknown) => void)("nope")).toThrow(/file descriptor/);
    expect(() => native.setRaw(987654)).toThrow(/tcgetattr/);
  });
});
