/**
 * One self-contained HTML page: inline CSS and inline SVG only — no scripts, fonts, images or
 * any other URL — so the report opens offline and can be attached to a CI run as one file.
 */

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export interface Section {
  id: string;
  title: string;
  /** Trusted markup built by this module's helpers (tables, plots); text must already be escaped. */
  html: string;
}

/** A table from rows of cells; every cell is escaped. */
export function table(headers: string[], rows: unknown[][], attrs = ""): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table ${attrs}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Key/value table for manifests. */
export function keyValueTable(entries: Array<[string, unknown]>, attrs = ""): string {
  return table(["", ""], entries.map(([k, v]) => [k, typeof v === "object" && v !== null ? JSON.stringify(v) : v ?? "—"]), attrs);
}

export function note(text: string): string {
  return `<p class="note">${escapeHtml(text)}</p>`;
}

const CSS = `
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;padding:0 1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}td{font-variant-numeric:tabular-nums}.note{color:#555;font-size:.9rem}
.bad{color:#b00020;font-weight:600}.good{color:#0a7a2f;font-weight:600}
figure{margin:1rem 0}svg{max-width:100%;height:auto}nav a{margin-right:.8rem}
`;

export function page(title: string, subtitle: string, sections: Section[]): string {
  const nav = sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join("");
  const body = sections.map((s) => `<section id="${escapeHtml(s.id)}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><h1>${escapeHtml(title)}</h1><p class="note">${escapeHtml(subtitle)}</p><nav>${nav}</nav>
${body}
</body></html>
`;
}
