"""Independent cross-check of scoutloop's link bytes, written from the SCDAQ and CMSSW sources only
(not from scoutloop's code): SCDAQ src/processor.cc (GMT slot order, pt > 0 zero suppression,
0xBEEFDEAD orbit trailer, bx_map), CMSSW EventFilter/L1ScoutingRawToDigi shifts.h / masks.h,
ScGMTRawToDigi.cc and ScCALORawToDigi.cc (dmaBlock link order, ET != 0). Reads one orbit (no packet
trailer) from argv[1]; prints JSON {stream, orbit, bx: [...], objects: {...}} per BX."""
import json
import struct
import sys

data = open(sys.argv[1], "rb").read()
stream = sys.argv[2]
words = struct.unpack("<%dI" % (len(data) // 4), data)
orbit = words[0] & 0x7FFFFFFF
pos = 8  # skip the 32-B orbit header (8 words)
blocks = []
while words[pos] != 0xBEEFDEAD:  # SCDAQ: the orbit trailer frame starts with 0xBEEFDEAD
    blocks.append(words[pos:pos + 48])  # 6 frames x 8 links
    pos += 48
bx_map = words[pos + 8:pos + 8 + 112]
bxs = [32 * i + b for i, w in enumerate(bx_map) for b in range(32) if (w >> b) & 1]
assert len(bxs) == len(blocks)


def signed(u, bits):
    return u - (1 << bits) if u & (1 << (bits - 1)) else u


out = []
for bx, blk in zip(bxs, blocks):
    frame = lambda k, link: blk[8 * k + link]
    if stream == "muon":
        muons = []
        for slot in (0, 1):  # processor.cc: all A (mu1) slots of links 0..7, then all B (mu2)
            for link in range(8):
                extra = frame(1, link)
                f = frame(2 + 2 * slot, link)
                s = frame(3 + 2 * slot, link)
                pt = (f >> 10) & 0x1FF
                if pt == 0 or (extra >> 31) & 1:
                    continue
                eta_st = (extra >> (22 if slot else 13)) & 0x1FF
                charge = (-1 if (s >> 2) & 1 else 1) if (s >> 3) & 1 else 0
                muons.append({
                    "hwPt": pt, "hwEtaAtVtx": signed((f >> 23) & 0x1FF, 9), "hwPhiAtVtx": f & 0x3FF,
                    # ScGMTRawToDigi: "if (ieta_u > 256) ieta = ieta_u - 512" (raw 0x100 is +256)
                    "hwEta": eta_st - 512 if eta_st > 256 else eta_st, "hwPhi": (s >> 11) & 0x3FF, "hwQual": (f >> 19) & 0xF,
                    "hwCharge": charge, "hwIso": s & 3, "hwPtUnconstrained": (s >> 21) & 0xFF,
                    "hwDXY": (s >> 30) & 3, "tfMuonIndex": (s >> 4) & 0x7F,
                })
        out.append({"bx": bx, "muons": muons})
    else:
        def objs(links, et_mask, eta_shift, phi_shift, iso_shift):
            res = []
            for link in links:  # ScCALORawToDigi: jet1 (link 1) then jet2 (link 0), ...
                for k in range(6):
                    w = frame(k, link)
                    et = w & et_mask
                    if et == 0:
                        continue
                    eta = (w >> eta_shift) & 0xFF
                    res.append({"hwEt": et, "hwEta": eta - 256 if eta > 127 else eta,
                                "hwPhi": (w >> phi_shift) & 0xFF, "hwIso": (w >> iso_shift) & 3})
            return res
        s = [frame(k, 5) for k in range(6)]
        out.append({
            "bx": bx,
            "jets": objs((1, 0), 0x7FF, 11, 19, 28),
            "egammas": objs((3, 2), 0x1FF, 9, 17, 25),
            "taus": objs((7, 6), 0x1FF, 9, 17, 25),
            "sums": {
                "hwTotalEt": s[0] & 0xFFF, "hwTotalEtEm": (s[0] >> 12) & 0xFFF, "hwTotalHt": s[1] & 0xFFF,
                "hwTowerCount": (s[1] >> 12) & 0x1FFF, "hwMissEt": s[2] & 0xFFF, "hwMissEtPhi": (s[2] >> 12) & 0xFF,
                "hwMissHt": s[3] & 0xFFF, "hwMissHtPhi": (s[3] >> 12) & 0xFF, "hwMissEtHF": s[4] & 0xFFF,
                "hwMissEtHFPhi": (s[4] >> 12) & 0xFF, "hwMissHtHF": s[5] & 0xFFF, "hwMissHtHFPhi": (s[5] >> 12) & 0xFF,
            },
        })
print(json.dumps({"orbit": orbit, "bx": out}))
