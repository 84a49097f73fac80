/**
 * The one interface between a study and the report: each study (monitor, injection, k-fold,
 * NPLM, GP search, PAD/FBM, …) writes a plain result object with a `format` tag to one JSON file
 * of a run directory and renders it as a report section; `report/` only lists the studies and
 * composes their sections, so a study never imports the report and the report never knows a
 * study's internals.
 */
import { escapeHtml, type Section } from "./html.js";

export interface StudyReport<R = unknown> {
  /** File in a run directory, e.g. "monitor.json". */
  file: string;
  /** The `format` tag of the result, e.g. "scoutloop-monitor/1". */
  format: string;
  /** Section anchor and heading. */
  id: string;
  title: string;
  /** The section of a result whose format tag matched. */
  render(result: R): Section;
}

/** Render a parsed result file, or a section saying why it cannot be rendered. */
export function renderStudy(study: StudyReport<never>, value: unknown): Section {
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== study.format) {
    return {
      id: study.id,
      title: study.title,
      html: `<p class="bad">${escapeHtml(study.file)} is not a scoutloop ${escapeHtml(study.title)} result (format ${escapeHtml(JSON.stringify(format ?? null))}, expected "${escapeHtml(study.format)}").</p>`,
    };
  }
  return (study.render as (r: unknown) => Section)(value);
}
