/** A pseudo-terminal pair: we keep the master fd; `path` is the slave (/dev/pts/N) a serial client opens. */
export interface PtyPair {
  fd: number;
  path: string;
}
/** Open a pty pair (posix_openpt/grantpt/unlockpt/ptsname), master in raw, non-blocking mode. */
export function openPty(): PtyPair;
/** Put a tty fd into raw mode (cfmakeraw). */
export function setRaw(fd: number): void;
/** Native twin of `extractFeaturesHw` in src/events/features.ts (see native/features.cc). */
export function extractFeaturesHw(
  nBx: number,
  missEt: Int32Array, missEtPhi: Int32Array,
  egOffset: Uint32Array, egEt: Int32Array, egEta: Int32Array, egPhi: Int32Array,
  muOffset: Uint32Array, muPt: Int32Array, muEtaAtVtx: Int32Array, muPhiAtVtx: Int32Array,
  jetOffset: Uint32Array, jetEt: Int32Array, jetEta: Int32Array, jetPhi: Int32Array,
  out: Int32Array,
): void;
/** Link deframer (native/link.cc, twin of src/link/decodeTs.ts): next orbit header / packet trailer at or after `from`, or -1. */
export function linkFindCandidate(buf: Uint8Array, from: number, end: number): number;
/** Validate and decode the structure at `p` into `scratch` (src/link/scratch.ts layout); outcome in `result` (format.ts `R`). */
export function linkDecodeAt(buf: Uint8Array, p: number, end: number, scratch: Int32Array, result: Float64Array): void;
/** Int32 elements the decoder's scratch area needs (must equal src/link/scratch.ts LAYOUT.total). */
export function linkScratchSize(): number;
/** CRC-32C of the whole array (hardware instruction when available). */
export function linkCrc32c(buf: Uint8Array): number;
