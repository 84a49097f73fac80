// Normalise-and-quantise of feature rows (z = (x − offset) × scale, then ap_fixed(double) of z),
// defined in scoring_fixed.cc; shared with the one-pass feature path in features.cc.
#pragma once
#include <cstddef>
#include <cstdint>

#include "fixed.h"

namespace scoutloop {
// n rows of d features at x into raw bits at o; f must fit 32-bit raw storage.
void quantizeRows(const float* x, size_t n, size_t d, const double* sc, const double* off, const fx::Format& f, int32_t* o);
}  // namespace scoutloop
