// Native isolation-forest scorer: the fast path of src/scoring/iforest.ts, bit for bit.
//
// ifCompile(...) validates the forest and builds two layouts:
//  - the generic node arrays (plain root-to-leaf walk: the float path and the scalar baseline);
//  - for trees of depth ≤ 12, a complete ("perfect") binary tree per tree: a leaf above the full
//    depth becomes a chain of dummy nodes whose bound is INT32_MIN (always right), and its value
//    fills every slot below it. The fixed-point walk is then branch-free, a fixed number of levels
//    (idx = 2·idx + 1 + (x ≥ cut)), done for a block of events per tree so the independent walks
//    overlap in the CPU instead of waiting on each load in turn.
// The default fixed-point walk ("grouped") keeps kGroup events' node indices in registers through
// a whole tree, reads their inputs from a feature-major copy of the block (one base register for
// all of them), compares unsigned after flipping the sign bit (idx = 2·idx + 2 − borrow), and
// stores nodes as two small arrays (cut 4 B, feature offset 2 B) so the forest stays cache-sized.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fixed.h"
#include "format_arg.h"
#include "registry.h"

namespace {

using scoutloop::argTypedArray;
using scoutloop::readFormat;
namespace fx = scoutloop::fx;

constexpr int kMaxPerfectDepth = 12;
constexpr size_t kBlock = 64;
constexpr int kGroup = 8;             // events walked together, indices in registers
constexpr size_t kMaxGroupsPerBlock = 12;  // ≤ 96 events: the feature-major block stays in L1

struct Forest {
  int nFeatures = 0;
  int nTrees = 0;
  bool strict = true;  // "<": left iff x < t
  double norm = 0, initPredict = 0;
  fx::Format score;
  int32_t initRaw = 0;
  std::vector<int32_t> root, feature, left, right, cut, leafRaw;
  std::vector<double> threshold, value, scale, offset;
  // Perfect layout (empty when a tree is deeper than kMaxPerfectDepth).
  int depth = 0;
  std::vector<int32_t> pFeature, pCut, pLeaf;  // per tree: 2^depth − 1 nodes, 2^depth leaves
  std::vector<int64_t> pNode;                  // (cut << 32) | feature: one load per level
  std::vector<uint32_t> gCut;                   // cut ^ 0x80000000: x ≥ cut ⇔ (x ^ 2^31) ≥ gCut, unsigned
  std::vector<uint16_t> gFeat;                  // feature × kGroup: offset into a feature-major group
  std::vector<double> pThreshold, pValue;       // the float walk's perfect layout (dummy nodes: −inf)
  bool monotoneSum = false;                     // all leaf values share a sign: saturate once at the end
  bool int32Sum = false;                        // Σ |leaf| + |init| < 2^31: the running sum fits int32
};

// Depth of every tree, or −1 if a node is out of range or reached twice (not a tree).
int checkTrees(const Forest& f, size_t nNodes) {
  std::vector<uint8_t> seen(nNodes, 0);
  int maxDepth = 0;
  std::vector<std::pair<int32_t, int>> stack;
  for (int t = 0; t < f.nTrees; t++) {
    stack.push_back({f.root[t], 0});
    while (!stack.empty()) {
      auto [node, d] = stack.back();
      stack.pop_back();
      if (node < 0 || size_t(node) >= nNodes || seen[node] || d > 4096) return -1;
      seen[node] = 1;
      maxDepth = std::max(maxDepth, d);
      if (f.feature[node] >= 0) {
        if (f.feature[node] >= f.nFeatures) return -1;
        stack.push_back({f.left[node], d + 1});
        stack.push_back({f.right[node], d + 1});
      }
    }
  }
  return maxDepth;
}

void fillPerfect(Forest& f, int tree, int32_t node, size_t slot, int level) {
  const size_t nInner = (size_t(1) << f.depth) - 1;
  int32_t* feat = f.pFeature.data() + size_t(tree) * nInner;
  int32_t* cut = f.pCut.data() + size_t(tree) * nInner;
  int32_t* leaf = f.pLeaf.data() + size_t(tree) * (nInner + 1);
  double* thr = f.pThreshold.data() + size_t(tree) * nInner;
  double* val = f.pValue.data() + size_t(tree) * (nInner + 1);
  if (level == f.depth) {
    leaf[slot - nInner] = f.leafRaw[node];
    val[slot - nInner] = f.value[node];
    return;
  }
  if (f.feature[node] >= 0) {
    feat[slot] = f.feature[node];
    cut[slot] = f.cut[node];
    thr[slot] = f.threshold[node];
    fillPerfect(f, tree, f.left[node], 2 * slot + 1, level + 1);
    fillPerfect(f, tree, f.right[node], 2 * slot + 2, level + 1);
  } else {
    feat[slot] = 0;
    cut[slot] = INT32_MIN;  // x ≥ INT32_MIN always: take the right child, which repeats this leaf
    thr[slot] = -__builtin_inf();  // either way leads to copies of this leaf
    fillPerfect(f, tree, node, 2 * slot + 1, level + 1);
    fillPerfect(f, tree, node, 2 * slot + 2, level + 1);
  }
}

void finalize(Napi::Env, Forest* f) { delete f; }

// ifCompile(nFeatures, root, feature, left, right, cut, leafRaw, threshold, value, scoreFormat,
//           strict, norm, initPredict, initRaw, scale, offset) → handle
Napi::Value IfCompile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 16 || !info[0].IsNumber() || !info[10].IsBoolean() || !info[11].IsNumber() || !info[12].IsNumber() ||
      !info[13].IsNumber()) {
    Napi::TypeError::New(env, "ifCompile expects 16 arguments").ThrowAsJavaScriptException();
    return env.Null();
  }
  auto f = std::make_unique<Forest>();
  f->nFeatures = info[0].As<Napi::Number>().Int32Value();
  Napi::Int32Array root, feature, left, right, cut, leafRaw;
  Napi::Float64Array threshold, value, scale, offset;
  if (!argTypedArray(info, 1, napi_int32_array, &root, "root") || !argTypedArray(info, 2, napi_int32_array, &feature, "feature") ||
      !argTypedArray(info, 3, napi_int32_array, &left, "left") || !argTypedArray(info, 4, napi_int32_array, &right, "right") ||
      !argTypedArray(info, 5, napi_int32_array, &cut, "cut") || !argTypedArray(info, 6, napi_int32_array, &leafRaw, "leafRaw") ||
      !argTypedArray(info, 7, napi_float64_array, &threshold, "threshold") ||
      !argTypedArray(info, 8, napi_float64_array, &value, "value") || !readFormat(info, 9, &f->score) ||
      !argTypedArray(info, 14, napi_float64_array, &scale, "scale") || !argTypedArray(info, 15, napi_float64_array, &offset, "offset"))
    return env.Null();
  const size_t n = feature.ElementLength();
  if (f->nFeatures < 1 || f->nFeatures > 4096 || root.ElementLength() < 1 || left.ElementLength() != n ||
      right.ElementLength() != n || cut.ElementLength() != n || leafRaw.ElementLength() != n || threshold.ElementLength() != n ||
      value.ElementLength() != n || scale.ElementLength() != size_t(f->nFeatures) || offset.ElementLength() != size_t(f->nFeatures) ||
      f->score.width > 32) {
    Napi::RangeError::New(env, "ifCompile: inconsistent array lengths").ThrowAsJavaScriptException();
    return env.Null();
  }
  f->nTrees = int(root.ElementLength());
  f->strict = info[10].As<Napi::Boolean>().Value();
  f->norm = info[11].As<Napi::Number>().DoubleValue();
  f->initPredict = info[12].As<Napi::Number>().DoubleValue();
  f->initRaw = info[13].As<Napi::Number>().Int32Value();
  f->root.assign(root.Data(), root.Data() + f->nTrees);
  f->feature.assign(feature.Data(), feature.Data() + n);
  f->left.assign(left.Data(), left.Data() + n);
  f->right.assign(right.Data(), right.Data() + n);
  f->cut.assign(cut.Data(), cut.Data() + n);
  f->leafRaw.assign(leafRaw.Data(), leafRaw.Data() + n);
  f->threshold.assign(threshold.Data(), threshold.Data() + n);
  f->value.assign(value.Data(), value.Data() + n);
  f->scale.assign(scale.Data(), scale.Data() + f->nFeatures);
  f->offset.assign(offset.Data(), offset.Data() + f->nFeatures);
  const int depth = checkTrees(*f, n);
  if (depth < 0) {
    Napi::RangeError::New(env, "ifCompile: the node arrays do not form valid trees").ThrowAsJavaScriptException();
    return env.Null();
  }
  bool allNonPos = f->initRaw <= 0, allNonNeg = f->initRaw >= 0;
  for (size_t i = 0; i < n; i++) {
    if (f->feature[i] >= 0) continue;
    allNonPos &= f->leafRaw[i] <= 0;
    allNonNeg &= f->leafRaw[i] >= 0;
  }
  // With one-signed terms a saturating running sum equals saturating the total once; WRAP is modular.
  f->monotoneSum = (allNonPos || allNonNeg) && (f->score.overflow == fx::SAT || f->score.overflow == fx::WRAP);
  {
    int64_t maxLeaf = 0;
    for (size_t i = 0; i < n; i++)
      if (f->feature[i] < 0) maxLeaf = std::max<int64_t>(maxLeaf, std::abs(int64_t(f->leafRaw[i])));
    f->int32Sum = std::abs(int64_t(f->initRaw)) + maxLeaf * f->nTrees < (int64_t(1) << 31) - 1;
  }
  if (depth <= kMaxPerfectDepth) {
    f->depth = std::max(depth, 1);
    const size_t nInner = (size_t(1) << f->depth) - 1;
    f->pFeature.assign(nInner * f->nTrees, 0);
    f->pCut.assign(nInner * f->nTrees, INT32_MIN);
    f->pLeaf.assign((nInner + 1) * f->nTrees, 0);
    f->pThreshold.assign(nInner * f->nTrees, -__builtin_inf());
    f->pValue.assign((nInner + 1) * f->nTrees, 0.0);
    for (int t = 0; t < f->nTrees; t++) fillPerfect(*f, t, f->root[t], 0, 0);
    f->pNode.resize(f->pFeature.size());
    f->gCut.resize(f->pFeature.size());
    f->gFeat.resize(f->pFeature.size());
    for (size_t i = 0; i < f->pNode.size(); i++) {
      f->pNode[i] = int64_t(uint64_t(uint32_t(f->pCut[i])) << 32 | uint32_t(f->pFeature[i]));
      f->gCut[i] = uint32_t(f->pCut[i]) ^ 0x80000000u;
      f->gFeat[i] = uint16_t(f->pFeature[i] * kGroup);  // nFeatures ≤ 4096: < 2^16
    }
  }
  return Napi::External<Forest>::New(env, f.release(), finalize);
}

Forest* readHandle(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(), "argument 0 must be a forest handle from ifCompile").ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[0].As<Napi::External<Forest>>().Data();
}

// Common argument checks of the score calls: (handle, input, n, out).
template <typename In, typename Out>
bool scoreArgs(const Napi::CallbackInfo& info, const Forest* f, napi_typedarray_type inType, napi_typedarray_type outType,
               Napi::TypedArrayOf<In>* in, Napi::TypedArrayOf<Out>* out, size_t* n) {
  if (!f) return false;
  if (!argTypedArray(info, 1, inType, in, "input") || !argTypedArray(info, 3, outType, out, "out")) return false;
  if (!info[2].IsNumber()) {
    Napi::TypeError::New(info.Env(), "argument 2 (n) must be a number").ThrowAsJavaScriptException();
    return false;
  }
  int64_t rows = info[2].As<Napi::Number>().Int64Value();
  if (rows < 0 || size_t(rows) * f->nFeatures > in->ElementLength() || size_t(rows) > out->ElementLength()) {
    Napi::RangeError::New(info.Env(), "row count does not fit the input or output array").ThrowAsJavaScriptException();
    return false;
  }
  *n = size_t(rows);
  return true;
}

inline int32_t addScore(int64_t acc, const fx::Format& fmt) { return int32_t(fx::overflowRaw(acc, fmt)); }

// Plain scalar walk over the node arrays, one event and one tree at a time (baseline and fallback).
void scoreFixedScalar(const Forest& f, const int32_t* x, size_t n, int32_t* out) {
  const int32_t* feature = f.feature.data();
  const int32_t* cut = f.cut.data();
  const int32_t* left = f.left.data();
  const int32_t* right = f.right.data();
  for (size_t i = 0; i < n; i++) {
    const int32_t* row = x + i * f.nFeatures;
    int64_t acc = f.initRaw;
    for (int t = 0; t < f.nTrees; t++) {
      int32_t node = f.root[t];
      while (feature[node] >= 0) node = row[feature[node]] >= cut[node] ? right[node] : left[node];
      acc = addScore(acc + f.leafRaw[node], f.score);
    }
    out[i] = int32_t(acc);
  }
}

// Blocked branch-free walk over the perfect layout.
void scoreFixedBlocked(const Forest& f, const int32_t* x, size_t n, int32_t* out) {
  const size_t nInner = (size_t(1) << f.depth) - 1;
  const int nf = f.nFeatures;
  int64_t acc[kBlock];
  uint32_t idx[kBlock];
  for (size_t b0 = 0; b0 < n; b0 += kBlock) {
    const size_t m = std::min(kBlock, n - b0);
    const int32_t* rows = x + b0 * nf;
    for (size_t e = 0; e < m; e++) acc[e] = f.initRaw;
    for (int t = 0; t < f.nTrees; t++) {
      const int64_t* node = f.pNode.data() + size_t(t) * nInner;
      const int32_t* leaf = f.pLeaf.data() + size_t(t) * (nInner + 1);
      for (size_t e = 0; e < m; e++) idx[e] = 0;
      for (int level = 0; level < f.depth; level++) {
        for (size_t e = 0; e < m; e++) {
          const uint32_t k = idx[e];
          const int64_t nd = node[k];
          idx[e] = 2 * k + 1 + uint32_t(rows[e * nf + uint32_t(nd)] >= int32_t(nd >> 32));
        }
      }
      if (f.monotoneSum) {
        for (size_t e = 0; e < m; e++) acc[e] += leaf[idx[e] - nInner];
      } else {
        for (size_t e = 0; e < m; e++) acc[e] = fx::overflowRaw(acc[e] + leaf[idx[e] - nInner], f.score);
      }
    }
    for (size_t e = 0; e < m; e++) out[b0 + e] = int32_t(fx::overflowRaw(acc[e], f.score));
  }
}

// One tree for kGroup events: D levels, every index in a register (the loops unroll fully).
template <int D>
inline void walkGroup(const uint32_t* cut, const uint16_t* feat, const uint32_t* xg, uint32_t* leafIdx) {
  uint32_t k[kGroup];
  for (int g = 0; g < kGroup; g++) k[g] = 0;
  for (int level = 0; level < D; level++) {
    for (int g = 0; g < kGroup; g++) {
      const uint32_t kk = k[g];
      k[g] = 2 * kk + 2 - uint32_t(xg[feat[kk] + g] < cut[kk]);  // left (2k+1) iff x < cut
    }
  }
  for (int g = 0; g < kGroup; g++) leafIdx[g] = k[g];
}

// A block of nGroups × kGroup events, all trees: inputs copied feature-major with the sign bit
// flipped (rows past n repeat row 0 and their scores are not written).
template <int D, bool kMonotone>
void scoreBlockGrouped(const Forest& f, const int32_t* x, size_t n, size_t nGroups, int32_t* out) {
  constexpr size_t nInner = (size_t(1) << D) - 1;
  const int nf = f.nFeatures;
  alignas(64) uint32_t xt[kMaxGroupsPerBlock * kGroup * 64];  // nf ≤ 64 here
  int64_t acc[kMaxGroupsPerBlock * kGroup];
  const size_t m = nGroups * kGroup;
  for (size_t e = 0; e < m; e++) {
    const int32_t* row = x + (e < n ? e : 0) * nf;
    uint32_t* dst = xt + (e / kGroup) * nf * kGroup + e % kGroup;
    for (int j = 0; j < nf; j++) dst[j * kGroup] = uint32_t(row[j]) ^ 0x80000000u;
    acc[e] = f.initRaw;
  }
  uint32_t idx[kGroup];
  for (int t = 0; t < f.nTrees; t++) {
    const uint32_t* cut = f.gCut.data() + size_t(t) * nInner;
    const uint16_t* feat = f.gFeat.data() + size_t(t) * nInner;
    const int32_t* leaf = f.pLeaf.data() + size_t(t) * (nInner + 1) - nInner;
    for (size_t g = 0; g < nGroups; g++) {
      walkGroup<D>(cut, feat, xt + g * nf * kGroup, idx);
      int64_t* a = acc + g * kGroup;
      for (int e = 0; e < kGroup; e++) {
        if (kMonotone) a[e] += leaf[idx[e]];
        else a[e] = fx::overflowRaw(a[e] + leaf[idx[e]], f.score);
      }
    }
  }
  for (size_t e = 0; e < std::min(m, n); e++) out[e] = int32_t(fx::overflowRaw(acc[e], f.score));
}

// Blocks of whole groups, as even in size as possible (69 events: one block of 9 groups, not
// 64 + 5 events that would each stream the whole forest through the cache).
template <int D, bool kMonotone>
void scoreGroupedD(const Forest& f, const int32_t* x, size_t n, int32_t* out) {
  const size_t groups = (n + kGroup - 1) / kGroup;
  const size_t blocks = (groups + kMaxGroupsPerBlock - 1) / kMaxGroupsPerBlock;
  size_t done = 0;
  for (size_t b = 0; b < blocks; b++) {
    const size_t g = (groups - done / kGroup + (blocks - b) - 1) / (blocks - b);
    const size_t rows = std::min(g * kGroup, n - done);
    scoreBlockGrouped<D, kMonotone>(f, x + done * f.nFeatures, rows, g, out + done);
    done += rows;
  }
}

using GroupedFn = void (*)(const Forest&, const int32_t*, size_t, int32_t*);
template <bool M>
GroupedFn groupedFor(int depth) {
  static constexpr GroupedFn table[] = {nullptr, scoreGroupedD<1, M>, scoreGroupedD<2, M>, scoreGroupedD<3, M>, scoreGroupedD<4, M>,
                                        scoreGroupedD<5, M>, scoreGroupedD<6, M>, scoreGroupedD<7, M>, scoreGroupedD<8, M>,
                                        scoreGroupedD<9, M>, scoreGroupedD<10, M>, scoreGroupedD<11, M>, scoreGroupedD<12, M>};
  return depth >= 1 && depth <= kMaxPerfectDepth ? table[depth] : nullptr;
}

// The grouped walk applies to perfect layouts of forests over at most 64 features.
bool scoreFixedGrouped(const Forest& f, const int32_t* x, size_t n, int32_t* out) {
  if (f.depth < 1 || f.nFeatures > 64) return false;
  GroupedFn fn = f.monotoneSum ? groupedFor<true>(f.depth) : groupedFor<false>(f.depth);
  if (!fn) return false;
  fn(f, x, n, out);
  return true;
}

// Optional 5th argument picks a walk for benchmarks and cross-checks: `true` or "avx2" the AVX2
// gather walk (not the default: on the AMD EPYC we measured, gathers are slow), "blocked" the
// previous portable blocked walk; absent, the grouped walk (or the blocked one where it does not apply).
enum class Walk { Default, Avx2, Blocked };
Walk wantWalk(const Napi::CallbackInfo& info) {
  if (info.Length() <= 4) return Walk::Default;
  if (info[4].IsBoolean()) return info[4].As<Napi::Boolean>().Value() ? Walk::Avx2 : Walk::Default;
  if (info[4].IsString()) {
    const std::string w = info[4].As<Napi::String>().Utf8Value();
    if (w == "avx2") return Walk::Avx2;
    if (w == "blocked") return Walk::Blocked;
  }
  return Walk::Default;
}

// AVX2 version of the blocked walk: 8 events per vector, 4 vectors in flight per tree so the
// gathers of one overlap the others. Used when the running sum provably fits int32 and needs no
// per-step saturation (monotoneSum); the result is saturated/wrapped once, as in the scalar path.
constexpr size_t kVecBlock = 32;
__attribute__((target("avx2"))) void scoreFixedAvx2(const Forest& f, const int32_t* x, size_t n, int32_t* out) {
  const size_t nInner = (size_t(1) << f.depth) - 1;
  const int nf = f.nFeatures;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i inner = _mm256_set1_epi32(int32_t(nInner));
  size_t b0 = 0;
  for (; b0 + kVecBlock <= n; b0 += kVecBlock) {
    const int32_t* rows = x + b0 * nf;
    __m256i rowOff[4], acc[4];
    for (int v = 0; v < 4; v++) {
      rowOff[v] = _mm256_mullo_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32(8 * v)), _mm256_set1_epi32(nf));
      acc[v] = _mm256_set1_epi32(f.initRaw);
    }
    for (int t = 0; t < f.nTrees; t++) {
      const int32_t* feat = f.pFeature.data() + size_t(t) * nInner;
      const int32_t* cut = f.pCut.data() + size_t(t) * nInner;
      const int32_t* leaf = f.pLeaf.data() + size_t(t) * (nInner + 1);
      __m256i idx[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
      for (int level = 0; level < f.depth; level++) {
        for (int v = 0; v < 4; v++) {
          const __m256i j = _mm256_i32gather_epi32(feat, idx[v], 4);
          const __m256i c = _mm256_i32gather_epi32(cut, idx[v], 4);
          const __m256i xv = _mm256_i32gather_epi32(rows, _mm256_add_epi32(rowOff[v], j), 4);
          const __m256i left = _mm256_cmpgt_epi32(c, xv);  // −1 where x < cut
          // idx = 2·idx + 2 + (−1 if left): 2·idx + 1 to the left, 2·idx + 2 to the right.
          idx[v] = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(idx[v], 1), _mm256_add_epi32(one, one)), left);
        }
      }
      for (int v = 0; v < 4; v++) acc[v] = _mm256_add_epi32(acc[v], _mm256_i32gather_epi32(leaf, _mm256_sub_epi32(idx[v], inner), 4));
    }
    alignas(32) int32_t sums[kVecBlock];
    for (int v = 0; v < 4; v++) _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 8 * v), acc[v]);
    for (size_t e = 0; e < kVecBlock; e++) out[b0 + e] = int32_t(fx::overflowRaw(sums[e], f.score));
  }
  if (b0 < n) scoreFixedBlocked(f, x + b0 * nf, n - b0, out + b0);
}

bool haveAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

// ifScoreFixed(handle, raw Int32Array, n, out Int32Array)
Napi::Value IfScoreFixed(const Napi::CallbackInfo& info) {
  Forest* f = readHandle(info);
  Napi::Int32Array in, out;
  size_t n;
  if (!scoreArgs<int32_t, int32_t>(info, f, napi_int32_array, napi_int32_array, &in, &out, &n)) return info.Env().Null();
  const Walk walk = wantWalk(info);
  if (f->depth > 0 && f->monotoneSum && f->int32Sum && haveAvx2() && walk == Walk::Avx2) scoreFixedAvx2(*f, in.Data(), n, out.Data());
  else if (walk == Walk::Default && scoreFixedGrouped(*f, in.Data(), n, out.Data())) return info.Env().Undefined();
  else if (f->depth > 0) scoreFixedBlocked(*f, in.Data(), n, out.Data());
  else scoreFixedScalar(*f, in.Data(), n, out.Data());
  return info.Env().Undefined();
}

// ifScoreFixedScalar(handle, raw, n, out): the plain walk, kept for the benchmark and cross-checks.
Napi::Value IfScoreFixedScalar(const Napi::CallbackInfo& info) {
  Forest* f = readHandle(info);
  Napi::Int32Array in, out;
  size_t n;
  if (!scoreArgs<int32_t, int32_t>(info, f, napi_int32_array, napi_int32_array, &in, &out, &n)) return info.Env().Null();
  scoreFixedScalar(*f, in.Data(), n, out.Data());
  return info.Env().Undefined();
}

// The float walk on the perfect layout, a block of events per tree (as scoreFixedBlocked): z for the
// block first, each (x − offset)·scale exactly as TS computes it (a subtraction then a product:
// nothing to contract into an FMA), then a fixed number of branch-free levels per tree, right iff
// !(z < t) (or !(z ≤ t)), so NaN goes right as in TS; leaves summed per event in tree order.
template <bool Strict>
void scoreFloatBlocked(const Forest& f, const float* x, size_t n, double* out) {
  const size_t nInner = (size_t(1) << f.depth) - 1;
  const int nf = f.nFeatures;
  std::vector<double> zb(kBlock * size_t(nf));
  double sum[kBlock];
  uint32_t idx[kBlock];
  for (size_t b0 = 0; b0 < n; b0 += kBlock) {
    const size_t m = std::min(kBlock, n - b0);
    for (size_t e = 0; e < m; e++) {
      const float* row = x + (b0 + e) * nf;
      double* z = zb.data() + e * nf;
      for (int j = 0; j < nf; j++) z[j] = (double(row[j]) - f.offset[j]) * f.scale[j];
      sum[e] = 0;
    }
    for (int t = 0; t < f.nTrees; t++) {
      const int32_t* feat = f.pFeature.data() + size_t(t) * nInner;
      const double* thr = f.pThreshold.data() + size_t(t) * nInner;
      const double* val = f.pValue.data() + size_t(t) * (nInner + 1);
      for (size_t e = 0; e < m; e++) idx[e] = 0;
      for (int level = 0; level < f.depth; level++) {
        for (size_t e = 0; e < m; e++) {
          const uint32_t k = idx[e];
          const double z = zb[e * nf + feat[k]];
          const bool left = Strict ? z < thr[k] : z <= thr[k];
          idx[e] = 2 * k + 2 - uint32_t(left);
        }
      }
      for (size_t e = 0; e < m; e++) sum[e] += val[idx[e] - nInner];
    }
    for (size_t e = 0; e < m; e++) out[b0 + e] = (sum[e] + f.initPredict) * f.norm;
  }
}

// ifScoreFloat(handle, features Float32Array, n, out Float64Array[, walk]): same operation order as
// TS. Default: the blocked walk on the perfect layout (trees of depth ≤ 12); "scalar" (or a deeper
// forest) walks the node arrays one event at a time.
Napi::Value IfScoreFloat(const Napi::CallbackInfo& info) {
  Forest* f = readHandle(info);
  Napi::Float32Array in;
  Napi::Float64Array out;
  size_t n;
  if (!scoreArgs<float, double>(info, f, napi_float32_array, napi_float64_array, &in, &out, &n)) return info.Env().Null();
  const float* x = in.Data();
  const bool scalar = info.Length() > 4 && info[4].IsString() && info[4].As<Napi::String>().Utf8Value() == "scalar";
  if (!scalar && f->depth > 0) {
    if (f->strict) scoreFloatBlocked<true>(*f, x, n, out.Data());
    else scoreFloatBlocked<false>(*f, x, n, out.Data());
    return info.Env().Undefined();
  }
  for (size_t i = 0; i < n; i++) {
    const float* row = x + i * f->nFeatures;
    double sum = 0;
    for (int t = 0; t < f->nTrees; t++) {
      int32_t node = f->root[t];
      for (;;) {
        const int32_t j = f->feature[node];
        if (j < 0) break;
        const double xv = (double(row[j]) - f->offset[j]) * f->scale[j];  // as TS: no product-sum to fuse
        const bool goLeft = f->strict ? xv < f->threshold[node] : xv <= f->threshold[node];
        node = goLeft ? f->left[node] : f->right[node];
      }
      sum += f->value[node];
    }
    out[i] = (sum + f->initPredict) * f->norm;
  }
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("ifCompile", Napi::Function::New(env, IfCompile, "ifCompile"));
  exports.Set("ifScoreFixed", Napi::Function::New(env, IfScoreFixed, "ifScoreFixed"));
  exports.Set("ifScoreFixedScalar", Napi::Function::New(env, IfScoreFixedScalar, "ifScoreFixedScalar"));
  exports.Set("ifScoreFloat", Napi::Function::New(env, IfScoreFloat, "ifScoreFloat"));
}

scoutloop::Register reg(Init);

}  // namespace
