/**
 * The real scouting link as a pipeline codec: each orbit is framed into one DMA packet per stream
 * (Run-3 layout, src/link framer: orbit header, 192-B BX blocks, 0xBEEFDEAD orbit trailer with the
 * BX bitmap, 0xDEADBEEF packet trailer) and deframed by one long-lived Deframer per stream, so
 * orbit continuity is checked across the run exactly as on a real link (a missing orbit is an
 * orbit-gap fault). The two streams are merged back into one orbit by BX (src/link mergeStreams).
 */
import type { OrbitBatch } from "../events/batch.js";
import { Deframer, FAULT_KINDS, frameOrbit, packetTrailer, wholeOrbit, type LinkStream } from "../link/index.js";
import type { LinkCodec } from "./link.js";

export interface ScoutingLinkOptions {
  /** Streams to carry (default both; "muon" alone models the muon scouting system). */
  streams?: readonly LinkStream[];
  /** Deframer core (default native; "ts" is the reference). */
  core?: "ts" | "native";
  /** scoutloop's optional CRC-32C orbit trailer (off by default, as on the real link). */
  crc?: boolean;
}

/** One DMA packet per stream (orbit + packet trailer with `orbitCounter`), each in its own buffer. */
export function framePackets(batch: OrbitBatch, streams: readonly LinkStream[], orbitCounter: number, crc?: boolean): Uint8Array[] {
  return streams.map((stream) => {
    const orbitBytes = frameOrbit(batch, stream, { crc });
    const trailer = packetTrailer({ autorealign: 0, dropped: 0, orbitCounter });
    const out = new Uint8Array(orbitBytes.length + trailer.length);
    out.set(orbitBytes, 0);
    out.set(trailer, orbitBytes.length);
    return out;
  });
}

export function scoutingLink(opts: ScoutingLinkOptions = {}): LinkCodec {
  const streams = opts.streams ?? (["muon", "calo"] as const);
  const deframers = streams.map(() => new Deframer({ core: opts.core ?? "native" }));
  let packets = 0;
  return {
    frame(batch: OrbitBatch): Uint8Array[] {
      return framePackets(batch, streams, ++packets, opts.crc);
    },
    deframe(chunks: Uint8Array[]) {
      const faults: Record<string, number> = {};
      const got: Partial<Record<LinkStream, OrbitBatch>> = {};
      chunks.forEach((bytes, k) => {
        const d = deframers[k];
        const before = FAULT_KINDS.map((f) => d.stats.faults[f].count);
        for (const o of d.push(bytes)) if (o.batch && o.stream === streams[k]) got[o.stream] = o.batch;
        FAULT_KINDS.forEach((f, i) => {
          const n = d.stats.faults[f].count - before[i];
          if (n > 0) faults[f] = (faults[f] ?? 0) + n;
        });
      });
      const batch = wholeOrbit(got.muon ?? null, got.calo ?? null);
      return { batch, faults };
    },
  };
}
