#!/usr/bin/python3
"""Independent peer for scoutloop board protocol v1, written only from docs/board-protocol.md.

Uses nothing from scoutloop: struct + binascii.crc32 for the codec, Debian's python3-zmq and
python3-serial for the transports. Modes:

  selfcheck DOC                 encode every message the doc's test vectors describe and compare
                                byte for byte with the hex blocks in DOC
  zmq-board ENDPOINT SECONDS    act as a board (ROUTER) scoring with the test model
  zmq-client ENDPOINT           act as a host (DEALER) against a scoutloop board; checks replies
  serial-board PATH SECONDS     act as a board on a serial device (COBS frames)

The test model (test/hil-model.ts, reimplemented here): score = clamp(floor(sum_k w_k x_k / 64),
-2^17, 2^17 - 1) with w_k = ((7k) mod 11) - 5, i.e. ap_fixed<18,4,AP_RND_CONV,AP_SAT> raw bits.
"""
import binascii
import json
import re
import struct
import sys
import time

MAGIC = b"SLHP"
VERSION = 1
HELLO, SCORE, PING = 0x01, 0x02, 0x03
HELLO_REPLY, SCORE_REPLY, PONG, ERROR = 0x81, 0x82, 0x83, 0xFF
MAX_EVENTS, MAX_FEATURES = 4096, 64
MAX_PAYLOAD = 8 + MAX_EVENTS * (8 + 4 * MAX_FEATURES)
N_FEATURES = 57
IN_FMT = "ap_fixed<18,13,AP_RND_CONV,AP_SAT>"
OUT_FMT = "ap_fixed<18,4,AP_RND_CONV,AP_SAT>"


# ---- codec (doc sections 2 and 4) ----

def message(mtype, seq, payload=b""):
    head = MAGIC + struct.pack("<BBHII", VERSION, mtype, 0, seq, len(payload))
    crc = binascii.crc32(head + payload) & 0xFFFFFFFF
    return head + struct.pack("<I", crc), payload


def parse(header, payload):
    if len(header) != 20 or header[:4] != MAGIC:
        raise ValueError("bad header")
    version, mtype, _flags, seq, length, crc = struct.unpack("<BBHIII", header[4:])
    if version != VERSION or length > MAX_PAYLOAD or length != len(payload):
        raise ValueError("bad version or length")
    if binascii.crc32(header[:16] + payload) & 0xFFFFFFFF != crc:
        raise ValueError("bad crc")
    return mtype, seq


def pstr(s):
    b = s.encode()
    return bytes([len(b)]) + b


def hello_reply(seq, h):
    p = struct.pack("<HHIIIHH", 1, h["nFeatures"], h["maxBatch"], h["clockKHz"], h["latencyCycles"], h["ii"], 0)
    for k in ("boardName", "firmwareId", "firmwareHash", "modelId", "inputFormat", "outputFormat"):
        p += pstr(h[k])
    return message(HELLO_REPLY, seq, p)


def score_request(seq, events, nf):
    p = struct.pack("<IHH", len(events), nf, 0)
    for orbit, bx, feats in events:
        p += struct.pack("<IHH", orbit, bx, 0) + struct.pack("<%di" % nf, *feats)
    return message(SCORE, seq, p)


def parse_score(p):
    n, nf, _ = struct.unpack_from("<IHH", p, 0)
    if n > MAX_EVENTS or not 1 <= nf <= MAX_FEATURES or len(p) != 8 + n * (8 + 4 * nf):
        raise ValueError("bad SCORE sizes")
    events, off = [], 8
    for _ in range(n):
        orbit, bx, _r = struct.unpack_from("<IHH", p, off)
        feats = struct.unpack_from("<%di" % nf, p, off + 8)
        events.append((orbit, bx, feats))
        off += 8 + 4 * nf
    return nf, events


def score_reply(seq, rows):
    p = struct.pack("<II", len(rows), 0)
    for orbit, bx, flags, ingress, egress, score in rows:
        p += struct.pack("<IHBBQQi", orbit, bx, flags, 0, ingress, egress, score)
    return message(SCORE_REPLY, seq, p)


def parse_score_reply(p):
    (n, _) = struct.unpack_from("<II", p, 0)
    if len(p) != 8 + 28 * n:
        raise ValueError("bad SCORE_REPLY size")
    rows = [struct.unpack_from("<IHBBQQi", p, 8 + 28 * i) for i in range(n)]
    return [(o, bx, flags, ingress, egress, score) for (o, bx, flags, _rsv, ingress, egress, score) in rows]


def error(seq, code, text):
    t = text.encode()
    return message(ERROR, seq, struct.pack("<HH", code, len(t)) + t)


def cobs_encode(data):
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += bytes([255]) + block
                block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out) + b"\x00"


def cobs_decode(frame):
    out, i = bytearray(), 0
    while i < len(frame):
        code = frame[i]
        if code == 0 or i + code > len(frame):
            raise ValueError("bad COBS")
        out += frame[i + 1:i + code]
        i += code
        if code != 255 and i < len(frame):
            out.append(0)
    return bytes(out)


# ---- the test model ----

WEIGHTS = [((k * 7) % 11) - 5 for k in range(N_FEATURES)]


def model_score(feats):
    acc = sum(w * x for w, x in zip(WEIGHTS, feats))
    s = acc // 64
    return max(-(1 << 17), min((1 << 17) - 1, s))


# ---- selfcheck against the doc ----

def doc_vectors(path):
    text = open(path, encoding="utf8").read()
    text = text[text.index("<!-- test-vectors:begin"):]
    out = {}
    for name, block in re.findall(r"### (\S+)[^`]*```hex\n([^`]*)```", text):
        data = bytearray()
        for line in block.strip().splitlines():
            data += bytes.fromhex(line.split(":", 1)[1])
        out[name] = bytes(data)
    return out


def selfcheck(path):
    vec = doc_vectors(path)
    feats = lambda i: [(1 if k % 2 == 0 else -1) * (i + 1) * (k + 1) * 16 for k in range(N_FEATURES)]
    mine = {
        "HELLO": message(HELLO, 1),
        "HELLO_REPLY": hello_reply(1, dict(nFeatures=57, maxBatch=3564, clockKHz=200000, latencyCycles=25, ii=1,
                                           boardName="zcu104", firmwareId="axol1tl-zcu104", firmwareHash="0123abcd",
                                           modelId="0011223344556677", inputFormat=IN_FMT, outputFormat=OUT_FMT)),
        "SCORE": score_request(2, [(1000, 1, feats(0)), (1000, 3564, feats(1))], N_FEATURES),
        "SCORE_REPLY": score_reply(2, [(1000, 1, 0, 100, 125, -5), (1000, 3564, 1, 101, 126, 131071)]),
        "PING": message(PING, 3, struct.pack("<Q", 0x0123456789ABCDEF)),
        "PONG": message(PONG, 3, struct.pack("<QQ", 0x0123456789ABCDEF, 0x1000)),
        "ERROR": error(4, 6, "batch too large"),
    }
    bad = []
    for name, (h, p) in mine.items():
        if vec.get(name) != h + p:
            bad.append(name)
        else:
            parse(h, p)  # and our own parser accepts it
    ping = mine["PING"][0] + mine["PING"][1]
    if vec.get("Serial") != cobs_encode(ping) or cobs_decode(cobs_encode(ping)[:-1]) != ping:
        bad.append("Serial frame of PING")
    print(json.dumps({"checked": len(mine) + 1, "mismatched": bad}))
    return 1 if bad else 0


# ---- a board ----

class Board:
    def __init__(self):
        self.cycle0 = time.monotonic_ns()
        self.free_at = 0
        self.stats = {"hello": 0, "score": 0, "events": 0, "errors": 0}

    def cycles(self):
        return (time.monotonic_ns() - self.cycle0) * 240 // 1000

    def handle(self, header, payload):
        try:
            mtype, seq = parse(header, payload)
        except ValueError as e:
            self.stats["errors"] += 1
            seq = struct.unpack_from("<I", header, 8)[0] if len(header) >= 12 else 0
            return error(seq, 5 if "crc" in str(e) else 4, str(e))
        if mtype == HELLO:
            self.stats["hello"] += 1
            return hello_reply(seq, dict(nFeatures=N_FEATURES, maxBatch=4096, clockKHz=240000, latencyCycles=12, ii=1,
                                         boardName="python-peer", firmwareId="scoutloop-emulator", firmwareHash="",
                                         modelId="test-linear-v1", inputFormat=IN_FMT, outputFormat=OUT_FMT))
        if mtype == PING:
            (token,) = struct.unpack("<Q", payload)
            return message(PONG, seq, struct.pack("<QQ", token, self.cycles()))
        if mtype == SCORE:
            try:
                nf, events = parse_score(payload)
            except ValueError as e:
                return error(seq, 4, str(e))
            if nf != N_FEATURES:
                return error(seq, 7, "expected 57 features")
            self.stats["score"] += 1
            self.stats["events"] += len(events)
            start = max(self.cycles(), self.free_at)
            self.free_at = start + len(events)
            rows = []
            for i, (orbit, bx, feats) in enumerate(events):
                s = model_score(feats)
                flags = 1 if s in (-(1 << 17), (1 << 17) - 1) else 0
                rows.append((orbit, bx, flags, start + i, start + i + 12, s))
            return score_reply(seq, rows)
        return error(seq, 3, "unexpected type")


def zmq_board(endpoint, seconds):
    import zmq
    ctx = zmq.Context()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    if endpoint.endswith(":*"):
        port = sock.bind_to_random_port(endpoint[:-2])
        endpoint = "%s:%d" % (endpoint[:-2], port)
    else:
        sock.bind(endpoint)
    print(endpoint, flush=True)
    board = Board()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not sock.poll(50):
            continue
        frames = sock.recv_multipart()
        if len(frames) != 3:
            continue
        h, p = board.handle(frames[1], frames[2])
        sock.send_multipart([frames[0], h, p])
    sock.close()
    ctx.term()


def zmq_client(endpoint):
    import zmq
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)

    def call(h, p):
        sock.send_multipart([h, p])
        if not sock.poll(3000):
            raise RuntimeError("no reply")
        rh, rp = sock.recv_multipart()
        mtype, seq = parse(rh, rp)
        return mtype, seq, rp

    result = {}
    mtype, seq, p = call(*message(HELLO, 11))
    assert mtype == HELLO_REPLY and seq == 11, (mtype, seq)
    fixed = struct.unpack_from("<HHIIIHH", p, 0)
    off, strings = 20, []
    for _ in range(6):
        n = p[off]
        strings.append(p[off + 1:off + 1 + n].decode())
        off += 1 + n
    result["hello"] = {"nFeatures": fixed[1], "maxBatch": fixed[2], "clockKHz": fixed[3], "modelId": strings[3],
                       "inputFormat": strings[4], "outputFormat": strings[5]}
    events = [(77, bx, [((bx * 31 + k * 17) % 4001) - 2000 for k in range(N_FEATURES)]) for bx in range(1, 41)]
    mtype, seq, p = call(*score_request(12, events, N_FEATURES))
    assert mtype == SCORE_REPLY and seq == 12
    rows = parse_score_reply(p)
    result["events"] = len(rows)
    result["mismatches"] = sum(1 for (o, bx, _f, _i, _e, s), ev in zip(rows, events) if (o, bx) != ev[:2] or s != model_score(ev[2]))
    result["latency"] = sorted({e - i for (_o, _b, _f, i, e, _s) in rows})
    mtype, seq, p = call(*message(PING, 13, struct.pack("<Q", 99)))
    assert mtype == PONG and struct.unpack_from("<Q", p)[0] == 99
    h, p = message(PING, 14, struct.pack("<Q", 1))
    bad = h[:16] + bytes([h[16] ^ 1]) + h[17:]  # damage the CRC
    mtype, seq, p = call(bad, p)
    result["badCrcAnswer"] = [mtype, struct.unpack_from("<H", p)[0]]
    print(json.dumps(result), flush=True)
    sock.close()
    ctx.term()


def serial_board(path, seconds):
    import serial
    port = serial.Serial(path, baudrate=3000000, timeout=0.05)
    board = Board()
    print("ready", flush=True)
    buf = bytearray()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        chunk = port.read(4096)
        if not chunk:
            continue
        buf += chunk
        while b"\x00" in buf:
            frame, _, rest = bytes(buf).partition(b"\x00")
            buf = bytearray(rest)
            if not frame:
                continue
            try:
                msg = cobs_decode(frame)
            except ValueError:
                continue
            if len(msg) < 20:
                continue
            h, p = board.handle(msg[:20], msg[20:])
            port.write(cobs_encode(h + p))
    port.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "selfcheck":
        sys.exit(selfcheck(sys.argv[2]))
    elif mode == "zmq-board":
        zmq_board(sys.argv[2], float(sys.argv[3]))
    elif mode == "zmq-client":
        zmq_client(sys.argv[2])
    elif mode == "serial-board":
        serial_board(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit("unknown mode " + mode)
