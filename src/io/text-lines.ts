import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { FileFormatError } from "./errors.js";

/**
 * Numbered lines of a text file, read in 1 MB blocks (shared by the text formats: JSONL,
 * DarkMachines CSV); a line longer than `maxLine` is an error naming it.
 */
export function* textLines(path: string, maxLine: number): Generator<[number, string]> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new FileFormatError(path, `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const block = Buffer.alloc(1 << 20);
    const utf8 = new StringDecoder("utf8"); // keeps a character split across two blocks whole
    let carry = "";
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, block, 0, block.length, null);
      if (n === 0) break;
      const parts = (carry + utf8.write(block.subarray(0, n))).split("\n");
      carry = parts.pop()!;
      for (const p of parts) {
        lineNo++;
        if (p.length > maxLine) throw new FileFormatError(path, `line ${lineNo} is longer than ${maxLine} bytes`);
        yield [lineNo, p];
      }
      if (carry.length > maxLine) throw new FileFormatError(path, `line ${lineNo + 1} is longer than ${maxLine} bytes`);
    }
    carry += utf8.end();
    if (carry.length > 0) yield [lineNo + 1, carry];
  } finally {
    closeSync(fd);
  }
}
