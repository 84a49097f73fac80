/**
 * Events renumbered by their place in the stream: the k-th stored BX of the input becomes BX
 * 1 + k mod 3564 of orbit `firstOrbit` + ⌊k / 3564⌋ — the packing the DarkMachines and plain
 * ADC2021 readers use. Diffing two renumbered streams pairs events in file order
 * (`scoutloop diff --pair events`), for formats that keep no orbit/BX of their own.
 *
 * Streams: holds one output orbit (OrbitBuilder's reused buffers) and the input batch in hand.
 */
import { BX_PER_ORBIT, CALO_FIELDS, MUON_FIELDS, SUM_FIELDS, type CaloBlock, type OrbitBatch } from "../../events/batch.js";
import { OrbitBuilder, type CaloBuffer } from "../../trigger/builder.js";

function copyCalo(from: CaloBlock, i: number, to: CaloBuffer, b: OrbitBuilder): void {
  for (let j = from.offset[i]; j < from.offset[i + 1]; j++) {
    const k = b.addCalo(to);
    for (const f of CALO_FIELDS) to.fields[f][k] = from[f][j];
  }
}

export function* inEventOrder(batches: Iterable<OrbitBatch>, firstOrbit = 1): Generator<OrbitBatch> {
  const b = new OrbitBuilder();
  let orbit = firstOrbit;
  let n = 0;
  b.begin(orbit, false);
  for (const batch of batches) {
    for (let i = 0; i < batch.nBx; i++) {
      const m = batch.muons;
      for (let j = m.offset[i]; j < m.offset[i + 1]; j++) {
        const k = b.addMuon();
        for (const f of MUON_FIELDS) b.muon[f][k] = m[f][j];
      }
      copyCalo(batch.jets, i, b.jet, b);
      copyCalo(batch.egammas, i, b.egamma, b);
      copyCalo(batch.taus, i, b.tau, b);
      for (const f of SUM_FIELDS) b.sum[f][b.current] = batch.sums[f][i];
      b.commitBx(n + 1, 0);
      if (++n === BX_PER_ORBIT) {
        yield b.finish();
        b.begin(++orbit, false);
        n = 0;
      }
    }
  }
  if (n > 0) yield b.finish();
}
