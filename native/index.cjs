// CommonJS wrapper of the compiled addon. Exports are assigned by name so that ESM code can
// `import { openPty } from "scoutloop/native"` (Node's CJS lexer only sees explicit names).
"use strict";
const path = require("node:path");
const binding = require(path.join(__dirname, "..", "build", "Release", "scoutloop.node"));

exports.openPty = binding.openPty;
exports.setRaw = binding.setRaw;
exports.extractFeaturesHw = binding.extractFeaturesHw;
exports.featuresAndInputs = binding.featuresAndInputs;
exports.linkFindCandidate = binding.linkFindCandidate;
exports.linkDecodeAt = binding.linkDecodeAt;
exports.linkNext = binding.linkNext;
exports.linkScanScdaq = binding.linkScanScdaq;
exports.linkScratchSize = binding.linkScratchSize;
exports.linkCrc32c = binding.linkCrc32c;
exports.linkFrameOrbit = binding.linkFrameOrbit;
exports.ifCompile = binding.ifCompile;
exports.ifScoreFixed = binding.ifScoreFixed;
exports.ifScoreFixedScalar = binding.ifScoreFixedScalar;
exports.ifScoreFloat = binding.ifScoreFloat;
exports.nnCompile = binding.nnCompile;
exports.nnScoreFixed = binding.nnScoreFixed;
exports.nnPaths = binding.nnPaths;
exports.fxQuantize = binding.fxQuantize;
exports.fxQuantizeRows = binding.fxQuantizeRows;
exports.fxCast = binding.fxCast;
exports.nplmFeatures = binding.nplmFeatures;
exports.nplmNewton = binding.nplmNewton;
exports.hilPackScore = binding.hilPackScore;
exports.hilUnpackScore = binding.hilUnpackScore;
exports.hilPackReply = binding.hilPackReply;
exports.hilUnpackReply = binding.hilUnpackReply;
exports.hilReplyFlags = binding.hilReplyFlags;
