/**
 * EMP / APx buffer ("pattern") files: read and write, plus conversion to and from the 8-link DMA
 * frames of the scouting link. Formats as parsed and written by CMSSW
 * `L1Trigger/DemonstratorTools/src/utilities.cc` (readEMPFileV1/V2, readAPxFile, write*):
 * - EMP v2 (emp ≥ 0.7): `ID: <id>`, `Metadata: (strobe,) start of orbit, start of packet, end of
 *   packet, valid`, a `Link  000 001 …` header, rows `Frame NNNN  [S]OPEV DDDDDDDDDDDDDDDD` with
 *   tokens separated by two or more spaces (regex `([01])?([01])([01])([01])([01]) ([0-9a-fA-F]{16})`).
 * - EMP v1 (MP7 era): `Board <id>`, ` Quad/Chan : q00c0 …`, `      Link : 000 …`, rows
 *   `Frame NNNN : [1s]1v<16 hex>` (regex `([01]s)?([01]v)([0-9a-fA-F]{16})`).
 * - APx: `#Sideband ON`, `#LinkLabel LINK_00 …`, `#BeginData`, rows `0xROW 0xSB 0xDATA …` with
 *   sideband bit 0 valid, 1 start of packet (SOF), 3 end of packet (EOF); we also read/write bit 2
 *   as start of orbit (FFO, "planned" in the utilities.cc comment).
 * Frames are stored column-wise per channel (typed arrays), never as per-frame objects.
 */

export const FRAME_FLAG = { valid: 1, startOfPacket: 2, endOfPacket: 4, startOfOrbit: 8, strobe: 16 } as const;

export interface PatternChannel {
  link: number;
  lo: Uint32Array;
  hi: Uint32Array;
  /** FRAME_FLAG bits per frame. */
  flags: Uint8Array;
}

export interface PatternFile {
  id: string;
  frames: number;
  channels: PatternChannel[];
}

export type PatternFormat = "EMPv1" | "EMPv2" | "APx";

export class PatternFileError extends Error {
  override name = "PatternFileError";
  constructor(message: string, readonly line?: number) {
    super(line !== undefined ? `line ${line}: ${message}` : message);
  }
}

/** Frames a pattern file may hold (EMP buffers are 1024 deep; allow long captures, but bounded). */
export const MAX_PATTERN_FRAMES = 1 << 20;
export const MAX_PATTERN_CHANNELS = 1024;

function newPattern(id: string, links: number[], frames: number): PatternFile {
  if (links.length > MAX_PATTERN_CHANNELS) throw new PatternFileError(`${links.length} channels exceed the limit ${MAX_PATTERN_CHANNELS}`);
  if (frames > MAX_PATTERN_FRAMES) throw new PatternFileError(`${frames} frames exceed the limit ${MAX_PATTERN_FRAMES}`);
  return {
    id, frames,
    channels: links.map((link) => ({ link, lo: new Uint32Array(frames), hi: new Uint32Array(frames), flags: new Uint8Array(frames) })),
  };
}

function hex64(ch: PatternChannel, i: number): string {
  return ch.hi[i].toString(16).padStart(8, "0") + ch.lo[i].toString(16).padStart(8, "0");
}

function setHex64(ch: PatternChannel, i: number, hex: string): void {
  ch.hi[i] = parseInt(hex.slice(0, 8), 16) >>> 0;
  ch.lo[i] = parseInt(hex.slice(8), 16) >>> 0;
}

/** Non-comment lines with their 1-based numbers. */
function lines(text: string): { n: number; s: string }[] {
  return text
    .split(/\r?\n/)
    .map((s, i) => ({ n: i + 1, s }))
    .filter(({ s }) => s.trim() !== "" && !s.trimStart().startsWith("#"));
}

/** Collect rows first (frame count unknown until the end), then build the columns. */
function build(id: string, links: number[], rows: { n: number; tokens: string[] }[], parse: (tok: string, ch: PatternChannel, i: number, line: number) => void): PatternFile {
  const pf = newPattern(id, links, rows.length);
  rows.forEach(({ n, tokens }, i) => {
    if (tokens.length !== links.length) throw new PatternFileError(`expected ${links.length} words, found ${tokens.length}`, n);
    tokens.forEach((tok, c) => parse(tok, pf.channels[c], i, n));
  });
  return pf;
}

function frameRows(body: { n: number; s: string }[], sep: string, split: RegExp): { n: number; tokens: string[] }[] {
  return body.map(({ n, s }, i) => {
    const prefix = `Frame ${String(i).padStart(4, "0")}${sep}`;
    if (!s.startsWith(prefix)) throw new PatternFileError(`expected "${prefix.trimEnd()}" (frames must be contiguous), found "${s.slice(0, 40)}"`, n);
    if (i >= MAX_PATTERN_FRAMES) throw new PatternFileError(`more than ${MAX_PATTERN_FRAMES} frames`, n);
    return { n, tokens: s.slice(prefix.length).trim().split(split).filter(Boolean) };
  });
}

function linkNumbers(tokens: string[], line: number): number[] {
  return tokens.map((t) => {
    if (!/^\d+$/.test(t)) throw new PatternFileError(`link number "${t}" is not a number`, line);
    return Number(t);
  });
}

export function parseEmpV2(text: string): PatternFile {
  const ls = lines(text);
  if (!ls[0]?.s.startsWith("ID: ")) throw new PatternFileError('EMP v2 file must start with "ID: <board>"', ls[0]?.n);
  const id = ls[0].s.slice(4).trim();
  if (!ls[1]?.s.startsWith("Metadata: (strobe,) start of orbit, start of packet, end of packet, valid"))
    throw new PatternFileError('expected the "Metadata: (strobe,) start of orbit, …" line after the ID', ls[1]?.n);
  const linkLine = ls[2]?.s.trim();
  if (!linkLine?.startsWith("Link ")) throw new PatternFileError('expected the "Link  000 …" header', ls[2]?.n);
  const links = linkNumbers(linkLine.slice(5).trim().split(/\s+/), ls[2].n);
  const rows = frameRows(ls.slice(3), "  ", /\s\s+/);
  const re = /^([01])?([01])([01])([01])([01]) ([0-9a-fA-F]{16})$/;
  return build(id, links, rows, (tok, ch, i, n) => {
    const m = re.exec(tok);
    if (!m) throw new PatternFileError(`word "${tok}" is not "[S]OPEV <16 hex digits>"`, n);
    ch.flags[i] =
      (m[1] === undefined || m[1] === "1" ? FRAME_FLAG.strobe : 0) |
      (m[2] === "1" ? FRAME_FLAG.startOfOrbit : 0) |
      (m[3] === "1" ? FRAME_FLAG.startOfPacket : 0) |
      (m[4] === "1" ? FRAME_FLAG.endOfPacket : 0) |
      (m[5] === "1" ? FRAME_FLAG.valid : 0);
    setHex64(ch, i, m[6]);
  });
}

const bit = (flags: number, f: number): string => (flags & f ? "1" : "0");

export function writeEmpV2(pf: PatternFile): string {
  const strobed = pf.channels.map((ch) => ch.flags.some((f) => !(f & FRAME_FLAG.strobe)));
  const out = [`ID: ${pf.id}`, "Metadata: (strobe,) start of orbit, start of packet, end of packet, valid", ""];
  out.push("      Link  " + pf.channels.map((ch, c) => (strobed[c] ? " " : "") + "            " + String(ch.link).padStart(3, "0") + "        ").join(""));
  for (let i = 0; i < pf.frames; i++) {
    let row = `Frame ${String(i).padStart(4, "0")}  `;
    pf.channels.forEach((ch, c) => {
      const f = ch.flags[i];
      row += "  " + (strobed[c] ? bit(f, FRAME_FLAG.strobe) : "") + bit(f, FRAME_FLAG.startOfOrbit) +
        bit(f, FRAME_FLAG.startOfPacket) + bit(f, FRAME_FLAG.endOfPacket) + bit(f, FRAME_FLAG.valid) + " " + hex64(ch, i);
    });
    out.push(row);
  }
  return out.join("\n") + "\n";
}

export function parseEmpV1(text: string): PatternFile {
  const ls = lines(text);
  if (!ls[0]?.s.startsWith("Board ")) throw new PatternFileError('EMP v1 file must start with "Board <id>"', ls[0]?.n);
  const id = ls[0].s.slice(6).trim();
  if (!ls[1]?.s.trim().startsWith("Quad/Chan :")) throw new PatternFileError('expected the "Quad/Chan :" line', ls[1]?.n);
  const linkLine = ls[2]?.s.trim();
  if (!linkLine?.startsWith("Link :")) throw new PatternFileError('expected the "Link :" line', ls[2]?.n);
  const links = linkNumbers(linkLine.slice(6).trim().split(/\s+/), ls[2].n);
  const rows = frameRows(ls.slice(3), " :", /\s+/);
  const re = /^([01]s)?([01]v)([0-9a-fA-F]{16})$/;
  return build(id, links, rows, (tok, ch, i, n) => {
    const m = re.exec(tok);
    if (!m) throw new PatternFileError(`word "${tok}" is not "[Xs]Xv<16 hex digits>"`, n);
    ch.flags[i] = (m[1] === undefined || m[1] === "1s" ? FRAME_FLAG.strobe : 0) | (m[2] === "1v" ? FRAME_FLAG.valid : 0);
    setHex64(ch, i, m[3]);
  });
}

export function writeEmpV1(pf: PatternFile): string {
  const out = [`Board ${pf.id}`];
  out.push(" Quad/Chan :" + pf.channels.map((ch) => `         q${String(ch.link >> 2).padStart(2, "0")}c${ch.link & 3}       `).join(""));
  out.push("      Link :" + pf.channels.map((ch) => `          ${String(ch.link).padStart(3, "0")}        `).join(""));
  for (let i = 0; i < pf.frames; i++) {
    out.push(`Frame ${String(i).padStart(4, "0")} :` + pf.channels.map((ch) => `   ${bit(ch.flags[i], FRAME_FLAG.valid)}v${hex64(ch, i)}`).join(""));
  }
  return out.join("\n") + "\n";
}

export function parseApx(text: string): PatternFile {
  const all = text.split(/\r?\n/).map((s, i) => ({ n: i + 1, s: s.trim() })).filter(({ s }) => s !== "");
  let k = 0;
  if (all[k]?.s.startsWith("#Sideband")) k++;
  if (!all[k]?.s.startsWith("#LinkLabel")) throw new PatternFileError('APx file needs a "#LinkLabel LINK_00 …" line', all[k]?.n);
  const links = all[k].s.slice(10).trim().split(/\s+/).map((t) => {
    const m = /^LINK_(\d+)$/.exec(t);
    if (!m) throw new PatternFileError(`link label "${t}" is not LINK_<number>`, all[k].n);
    return Number(m[1]);
  });
  k++;
  if (all[k]?.s !== "#BeginData") throw new PatternFileError('expected "#BeginData"', all[k]?.n);
  const body = all.slice(k + 1).filter(({ s }) => !s.startsWith("#"));
  const rows = body.map(({ n, s }, i) => {
    const tokens = s.split(/\s+/);
    if (!/^0x[0-9a-fA-F]+$/.test(tokens[0]) || parseInt(tokens[0], 16) !== i)
      throw new PatternFileError(`expected row 0x${i.toString(16).padStart(4, "0")}, found "${tokens[0]}"`, n);
    if (tokens.length !== 2 * links.length + 1) throw new PatternFileError(`expected ${2 * links.length + 1} tokens, found ${tokens.length}`, n);
    const pairs: string[] = [];
    for (let c = 0; c < links.length; c++) pairs.push(tokens[1 + 2 * c] + " " + tokens[2 + 2 * c]);
    return { n, tokens: pairs };
  });
  return build("", links, rows, (tok, ch, i, n) => {
    const m = /^0x([0-9a-fA-F]{1,2}) 0x([0-9a-fA-F]{1,16})$/.exec(tok);
    if (!m) throw new PatternFileError(`"${tok}" is not "0x<sideband> 0x<data>"`, n);
    const sb = parseInt(m[1], 16);
    ch.flags[i] = FRAME_FLAG.strobe | (sb & 1 ? FRAME_FLAG.valid : 0) | (sb & 2 ? FRAME_FLAG.startOfPacket : 0) |
      (sb & 4 ? FRAME_FLAG.startOfOrbit : 0) | (sb & 8 ? FRAME_FLAG.endOfPacket : 0);
    setHex64(ch, i, m[2].padStart(16, "0"));
  });
}

export function writeApx(pf: PatternFile): string {
  const out = ["#Sideband ON", "#LinkLabel" + pf.channels.map((ch) => `                LINK_${String(ch.link).padStart(2, "0")}    `).join(""), "#BeginData"];
  for (let i = 0; i < pf.frames; i++) {
    let row = "0x" + i.toString(16).padStart(4, "0");
    for (const ch of pf.channels) {
      const f = ch.flags[i];
      const sb = (f & FRAME_FLAG.valid ? 1 : 0) | (f & FRAME_FLAG.startOfPacket ? 2 : 0) | (f & FRAME_FLAG.startOfOrbit ? 4 : 0) | (f & FRAME_FLAG.endOfPacket ? 8 : 0);
      row += `    0x${sb.toString(16).padStart(2, "0")} 0x${hex64(ch, i)}`;
    }
    out.push(row);
  }
  return out.join("\n") + "\n";
}

export function detectPatternFormat(text: string): PatternFormat {
  const first = lines(text)[0]?.s ?? "";
  const raw = text.trimStart();
  if (raw.startsWith("#Sideband") || raw.startsWith("#LinkLabel")) return "APx";
  if (first.startsWith("ID: ")) return "EMPv2";
  if (first.startsWith("Board ")) return "EMPv1";
  throw new PatternFileError("unknown pattern file format (expected EMP v1/v2 or APx)");
}

export function parsePattern(text: string, format: PatternFormat = detectPatternFormat(text)): PatternFile {
  return format === "EMPv2" ? parseEmpV2(text) : format === "EMPv1" ? parseEmpV1(text) : parseApx(text);
}

export function writePattern(pf: PatternFile, format: PatternFormat): string {
  return format === "EMPv2" ? writeEmpV2(pf) : format === "EMPv1" ? writeEmpV1(pf) : writeApx(pf);
}

/**
 * First difference between two pattern files (data and valid flag; `flags: true` compares every
 * flag), e.g. a `tx_summary.txt` capture against an emulator-written file. Null when equal.
 */
export function diffPatterns(a: PatternFile, b: PatternFile, opts: { flags?: boolean } = {}): string | null {
  const mask = opts.flags ? 0xff : FRAME_FLAG.valid;
  if (a.frames !== b.frames) return `frames ${a.frames} != ${b.frames}`;
  const byLink = new Map(b.channels.map((c) => [c.link, c]));
  for (const ca of a.channels) {
    const cb = byLink.get(ca.link);
    if (!cb) return `link ${ca.link} missing in the second file`;
    for (let i = 0; i < a.frames; i++) {
      if ((ca.flags[i] & mask) !== (cb.flags[i] & mask)) return `link ${ca.link} frame ${i}: flags ${ca.flags[i]} != ${cb.flags[i]}`;
      if (ca.lo[i] !== cb.lo[i] || ca.hi[i] !== cb.hi[i]) return `link ${ca.link} frame ${i}: ${hex64(ca, i)} != ${hex64(cb, i)}`;
    }
  }
  if (a.channels.length !== b.channels.length) return `channel count ${a.channels.length} != ${b.channels.length}`;
  return null;
}

/**
 * Scouting DMA bytes (whole 32-B frames) → 8 channels: DMA frame f, link i → pattern frame f of
 * channel `firstLink + i`, data in the low 32 bits, valid; packet flags mark the whole buffer.
 */
export function dmaToPattern(bytes: Uint8Array, id = "scoutloop", firstLink = 0): PatternFile {
  if (bytes.length % 32 !== 0) throw new PatternFileError(`DMA bytes (${bytes.length}) are not whole 32-byte frames`);
  const frames = bytes.length / 32;
  const pf = newPattern(id, Array.from({ length: 8 }, (_, i) => firstLink + i), frames);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  pf.channels.forEach((ch, link) => {
    for (let f = 0; f < frames; f++) {
      ch.lo[f] = v.getUint32(32 * f + 4 * link, true);
      ch.flags[f] = FRAME_FLAG.strobe | FRAME_FLAG.valid | (f === 0 ? FRAME_FLAG.startOfPacket | FRAME_FLAG.startOfOrbit : 0) |
        (f === frames - 1 ? FRAME_FLAG.endOfPacket : 0);
    }
  });
  return pf;
}

/** The reverse: valid frames of 8 consecutive channels → DMA bytes (low 32 bits of each word). */
export function patternToDma(pf: PatternFile, firstChannel = 0): Uint8Array {
  const chs = pf.channels.slice(firstChannel, firstChannel + 8);
  if (chs.length !== 8) throw new PatternFileError(`need 8 channels from index ${firstChannel}, file has ${pf.channels.length}`);
  const rows: number[] = [];
  for (let f = 0; f < pf.frames; f++) if (chs[0].flags[f] & FRAME_FLAG.valid) rows.push(f);
  const out = new Uint8Array(rows.length * 32);
  const v = new DataView(out.buffer);
  rows.forEach((f, r) => chs.forEach((ch, link) => v.setUint32(32 * r + 4 * link, ch.lo[f], true)));
  return out;
}
