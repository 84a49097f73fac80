/**
 * The import graph has no upward edges (DESIGN.md §2): a folder of src/ imports only itself and the
 * folders below it in LAYERS. A new folder must be placed in LAYERS before its code can land.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

/** Bottom first. `native` is src/native.ts (the addon loader), `index` is src/index.ts (the public API). */
export const LAYERS = [
  "native", "events", "stats", "trigger", "link", "io", "scoring", "hil", "rtl", "compare", "bus",
  "render", "monitor", "study", "regress", "report", "live", "cli", "index",
] as const;

const SRC = resolve(__dirname, "../src");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The layer of a file under src/: its top folder, or the file's base name for src/*.ts. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? parts[0].replace(/\.(ts|js)$/, "") : parts[0];
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
export function importSpecifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1]);
  return out;
}

export interface Edge { from: string; to: string; file: string; specifier: string }

/** Edges whose target layer sits above the importer's layer (or either layer is not in `layers`). */
export function badEdges(edges: Edge[], layers: readonly string[]): string[] {
  const rank = new Map(layers.map((l, i) => [l, i]));
  const bad: string[] = [];
  for (const e of edges) {
    const a = rank.get(e.from);
    const b = rank.get(e.to);
    if (a === undefined || b === undefined) bad.push(`${e.file}: layer ${a === undefined ? e.from : e.to} is not in LAYERS (test/layering.test.ts)`);
    else if (b > a) bad.push(`${e.file} (${e.from}) imports ${e.specifier} (${e.to}, a higher layer)`);
  }
  return bad;
}

function srcEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of tsFiles(SRC)) {
    for (const specifier of importSpecifiers(readFileSync(file, "utf8"))) {
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(SRC + sep)) continue; // native/ addon, package.json: outside src
      edges.push({ from: layerOf(file), to: layerOf(target), file: relative(SRC, file), specifier });
    }
  }
  return edges;
}

describe("layering", () => {
  it("finds static, re-export and dynamic imports", () => {
    const src = `import { a } from "../x/a.js";\nexport * from "./b.js";\nimport type {\n  C,\n} from "../y/c.js";\nconst m = await import("../z/d.js");\nimport "./side.js";\nimport z from "zod";`;
    expect(importSpecifiers(src)).toEqual(["../x/a.js", "./b.js", "../y/c.js", "../z/d.js", "./side.js"]);
  });

  it("flags an upward edge and an unknown folder", () => {
    const layers = ["low", "high"];
    expect(badEdges([{ from: "high", to: "low", file: "h.ts", specifier: "../low/x.js" }], layers)).toEqual([]);
    expect(badEdges([{ from: "low", to: "high", file: "l.ts", specifier: "../high/x.js" }], layers)).toHaveLength(1);
    expect(badEdges([{ from: "new", to: "low", file: "n.ts", specifier: "../low/x.js" }], layers)[0]).toMatch(/not in LAYERS/);
  });

  it("src/ has no upward import", () => {
    const edges = srcEdges();
    expect(edges.length).toBeGreaterThan(100); // the scan sees the real graph
    expect(badEdges(edges, LAYERS)).toEqual([]);
  });
});
