// Verilator harness for the scoutloop board (top scoutloop_board, shell + scorer core).
//
//   --mode uart    the UART pins are driven bit by bit from fd 3 (a pty master from the parent)
//                  and the TX pin is deserialised back into it: the harness is the USB-UART bridge.
//   --mode stream  bytes from stdin go into the shell's byte-stream port and replies come out on
//                  stdout: the PL side of a PS-side daemon (the ZeroMQ profile), no bit timing.
//
// Time: one loop iteration is one clock cycle. When the line is idle and the design reports
// `idle` (nothing changes without input), the harness sleeps in poll() instead of simulating,
// then advances the board's cycle counter by the wall time it slept at the board clock
// (sim_idle_cycles). So the counter counts simulated cycles while anything happens and wall time
// while the board idles; egress - ingress of an event is always simulated cycles.
// The harness exits when stdin reaches end of file (its parent died or closed the pipe), when the
// pty closes, or on SIGTERM/SIGINT; it prints one JSON line of statistics on stderr at exit.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <string>
#include <vector>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "Vscoutloop_board.h"
#include "verilated.h"

static volatile sig_atomic_t g_stop = 0;
static volatile sig_atomic_t g_report = 0;
static void on_signal(int) { g_stop = 1; }
static void on_report(int) { g_report = 1; }

static uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

struct Stats {
  uint64_t simCycles = 0, warpCycles = 0, bytesIn = 0, bytesOut = 0, idleSleeps = 0;
  uint64_t startNs = 0, busyNs = 0;
};

int main(int argc, char** argv) {
  std::string mode = "uart";
  int clocksPerBit = 8;
  double clockMHz = 100.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--mode") mode = argv[i + 1];
    else if (k == "--clocks-per-bit") clocksPerBit = atoi(argv[i + 1]);
    else if (k == "--clock-mhz") clockMHz = atof(argv[i + 1]);
  }
  const bool stream = mode == "stream";
  if ((!stream && mode != "uart") || clocksPerBit < 4 || !(clockMHz > 0)) {
    fprintf(stderr, "usage: %s --mode uart|stream --clocks-per-bit N --clock-mhz F\n", argv[0]);
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // a parent that dies without closing our stdin still stops us
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGUSR1, on_report);  // print the statistics line now (the host's run summary asks)

  const int inFd = stream ? 0 : 3;
  const int outFd = stream ? 1 : 3;
  const int liveFd = 0;  // stdin: end of file = the parent is gone
  fcntl(inFd, F_SETFL, fcntl(inFd, F_GETFL) | O_NONBLOCK);
  fcntl(outFd, F_SETFL, fcntl(outFd, F_GETFL) | O_NONBLOCK);
  if (!stream) fcntl(liveFd, F_SETFL, fcntl(liveFd, F_GETFL) | O_NONBLOCK);

  Verilated::commandArgs(1, argv);
  Vscoutloop_board* top = new Vscoutloop_board;
  top->clk = 0;
  top->rst = 1;
  top->uart_rxd = 1;
  top->link_sel = stream ? 1 : 0;
  top->s_rx_valid = 0;
  top->s_rx_data = 0;
  top->m_tx_ready = 1;
  top->sim_idle_cycles = 0;
  Stats st;
  st.startNs = now_ns();

  auto tick = [&]() {
    top->clk = 1;
    top->eval();
    top->clk = 0;
    top->eval();
    st.simCycles++;
  };
  for (int i = 0; i < 8; i++) tick();
  top->rst = 0;
  top->eval();

  std::deque<uint8_t> inq;
  std::vector<uint8_t> out;
  uint8_t buf[65536];
  bool eof = false;
  std::string endReason = "signal";

  // UART line models (the bridge's side of the wire)
  int rxBit = -1, rxCnt = 0;  // bit being driven (0 start, 1..8 data, 9 stop), cycles left in it
  uint8_t rxByte = 0;
  int txPhase = -1;           // -1 idle, else cycles since the start bit's falling edge
  uint8_t txByte = 0;
  const int half = clocksPerBit / 2;

  auto readInput = [&]() {
    for (;;) {
      ssize_t n = read(inFd, buf, sizeof buf);
      if (n > 0) {
        inq.insert(inq.end(), buf, buf + n);
        st.bytesIn += uint64_t(n);
        if (size_t(n) < sizeof buf) return;
        continue;
      }
      if (n == 0) {
        if (stream) { eof = true; endReason = "stdin closed"; }
        return;  // a pty master reads 0 only transiently
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) { eof = true; endReason = std::string("read: ") + strerror(errno); }
      return;
    }
  };
  auto parentGone = [&]() -> bool {
    if (stream) return false;  // stream mode sees stdin EOF in readInput
    char c;
    ssize_t n = read(liveFd, &c, 1);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  };
  auto flush = [&]() {
    size_t off = 0;
    while (off < out.size() && !g_stop) {
      ssize_t n = write(outFd, out.data() + off, out.size() - off);
      if (n > 0) { off += size_t(n); continue; }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        pollfd p[2] = {{outFd, POLLOUT, 0}, {liveFd, POLLIN, 0}};
        poll(p, stream ? 1 : 2, 50);
        if (!stream && (p[1].revents & (POLLIN | POLLHUP)) && parentGone()) { eof = true; endReason = "parent gone"; break; }
        continue;
      }
      eof = true;
      endReason = std::string("write: ") + strerror(errno);
      break;
    }
    st.bytesOut += off;
    out.clear();
  };

  uint64_t sinceRead = 0, sinceLive = 0;
  auto printStats = [&](const char* end) {
    const double wall = double(now_ns() - st.startNs) / 1e9;
    fprintf(stderr,
            "{\"simCycles\":%llu,\"warpCycles\":%llu,\"bytesIn\":%llu,\"bytesOut\":%llu,\"idleSleeps\":%llu,\"wallSeconds\":%.6f,"
            "\"busySeconds\":%.6f,\"droppedFrames\":%u,\"rxOverruns\":%u,\"requests\":%u,\"end\":\"%s\"}\n",
            (unsigned long long)st.simCycles, (unsigned long long)st.warpCycles, (unsigned long long)st.bytesIn,
            (unsigned long long)st.bytesOut, (unsigned long long)st.idleSleeps, wall, double(st.busyNs) / 1e9,
            top->stat_dropped_frames, top->stat_rx_overruns, top->stat_requests, end);
    fflush(stderr);
  };
  uint64_t busyStart = now_ns();
  fprintf(stderr, "scoutloop-rtl-sim ready mode=%s clocksPerBit=%d clockMHz=%g\n", mode.c_str(), clocksPerBit, clockMHz);
  fflush(stderr);

  while (!g_stop && !eof) {
    if (g_report) {
      g_report = 0;
      st.busyNs += now_ns() - busyStart;
      busyStart = now_ns();
      printStats("running");
    }
    // ---- drive inputs for this cycle ----
    if (stream) {
      if (inq.empty() && ++sinceRead >= 64) { sinceRead = 0; readInput(); }
      top->s_rx_valid = inq.empty() ? 0 : 1;
      if (!inq.empty()) top->s_rx_data = inq.front();
    } else {
      if (rxBit < 0) {
        if (inq.empty() && ++sinceRead >= uint64_t(clocksPerBit)) { sinceRead = 0; readInput(); }
        if (!inq.empty()) {
          rxByte = inq.front();
          inq.pop_front();
          rxBit = 0;
          rxCnt = clocksPerBit;
        }
      }
      top->uart_rxd = rxBit < 0 ? 1 : rxBit == 0 ? 0 : rxBit == 9 ? 1 : (rxByte >> (rxBit - 1)) & 1;
    }
    top->eval();
    const bool rxTaken = stream && top->s_rx_valid && top->s_rx_ready;
    const bool txTaken = stream && top->m_tx_valid;
    const uint8_t txData = top->m_tx_data;
    tick();
    if (top->sim_idle_cycles) top->sim_idle_cycles = 0;

    // ---- sample outputs ----
    if (stream) {
      if (rxTaken) inq.pop_front();
      if (txTaken) {
        out.push_back(txData);
        if (txData == 0 || out.size() >= sizeof buf) flush();
      }
    } else {
      if (rxBit >= 0 && --rxCnt == 0) {
        if (++rxBit > 9) rxBit = -1;
        else rxCnt = clocksPerBit;
      }
      const int txd = top->uart_txd;
      if (txPhase < 0) {
        if (!txd) txPhase = 0;
      } else {
        txPhase++;
        const int at = txPhase - half;
        if (at > 0 && at % clocksPerBit == 0) {
          const int bit = at / clocksPerBit;  // 1..8 data, 9 stop
          if (bit <= 8) txByte = uint8_t((txByte >> 1) | (txd ? 0x80 : 0));
          else {
            if (txd) {  // a low stop bit is a framing error: the bridge drops the byte
              out.push_back(txByte);
              if (txByte == 0 || out.size() >= sizeof buf) flush();
            }
            txPhase = -1;
          }
        }
      }
    }

    // ---- idle: sleep instead of simulating, then account the time at the board clock ----
    const bool lineIdle = stream ? inq.empty() && !top->m_tx_valid : inq.empty() && rxBit < 0 && txPhase < 0;
    if (lineIdle && top->idle) {
      if (!out.empty()) flush();
      readInput();
      if (!inq.empty() || eof) continue;
      st.busyNs += now_ns() - busyStart;
      const uint64_t t0 = now_ns();
      pollfd p[2] = {{inFd, POLLIN, 0}, {liveFd, POLLIN, 0}};
      const int np = stream ? 1 : 2;
      int r = poll(p, np, 20);
      const uint64_t slept = now_ns() - t0;
      busyStart = now_ns();
      st.idleSleeps++;
      if (r > 0 && !stream && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && parentGone()) { endReason = "parent gone"; break; }
      if (r > 0 && !stream && (p[0].revents & (POLLHUP | POLLERR)) && !(p[0].revents & POLLIN)) {
        // no slave open (the parent holds one, so this means it went away); do not spin
        usleep(20000);
      }
      double warp = double(slept) * clockMHz / 1000.0;
      if (warp > 2.0e9) warp = 2.0e9;
      top->sim_idle_cycles = uint32_t(warp);
      st.warpCycles += uint64_t(warp);
      readInput();
      continue;
    }
    if (++sinceLive >= (1u << 20)) {
      sinceLive = 0;
      if (parentGone()) { endReason = "parent gone"; break; }
    }
  }
  if (!out.empty()) flush();
  st.busyNs += now_ns() - busyStart;
  printStats(endReason.c_str());
  top->final();
  delete top;
  return 0;
}
