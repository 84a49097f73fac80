/**
 * The studies whose results a run directory may hold, in report order. Each renders its own
 * section (render/section.ts); adding a study is one line here.
 */
import type { StudyReport } from "../render/section.js";
import { monitorReport } from "../monitor/render.js";
import { injectReport } from "../study/inject-render.js";
import { kfoldReport } from "../study/kfold-render.js";
import { diffReport } from "./diff-render.js";
import { nplmReport, nplmScanReport } from "../study/nplm-render.js";
import { gpReport } from "../study/gp-render.js";
import { padReport } from "../study/pad-render.js";

export const STUDY_REPORTS: ReadonlyArray<StudyReport<never>> = [monitorReport, injectReport, kfoldReport, diffReport, nplmReport, nplmScanReport, gpReport, padReport];
