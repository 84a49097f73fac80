// CRC-32C (Castagnoli), shared by the native deframer (link.cc) and framer (framer.cc); twin of
// src/link/crc32c.ts. Hardware instruction when the CPU has SSE4.2, table otherwise.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace scoutloop {

inline const uint32_t* crc32cTable() {
  static const struct Table {
    uint32_t t[256];
    Table() {
      for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        t[i] = c;
      }
    }
  } table;
  return table.t;
}

inline uint32_t crc32cSoft(const uint8_t* b, size_t n) {
  const uint32_t* table = crc32cTable();
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = table[(c ^ b[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) inline uint32_t crc32cHw(const uint8_t* b, size_t n) {
  uint64_t c = 0xffffffffu;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, b + i, 8);
    c = __builtin_ia32_crc32di(c, v);
  }
  uint32_t c32 = uint32_t(c);
  for (; i < n; i++) c32 = __builtin_ia32_crc32qi(c32, b[i]);
  return c32 ^ 0xffffffffu;
}
#endif

inline uint32_t crc32c(const uint8_t* b, size_t n) {
#if defined(__x86_64__)
  static const bool hasSse42 = __builtin_cpu_supports("sse4.2");
  if (hasSse42) return crc32cHw(b, n);
#endif
  return crc32cSoft(b, n);
}

}  // namespace scoutloop
