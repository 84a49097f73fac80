/**
 * The compiled addon (native/*.cc), loaded once. Source and compiled code sit at different depths
 * (src/ vs dist/src/), so the package root is found by walking up to our package.json.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as NativeApi from "../native/index.cjs";

export type Native = typeof NativeApi;

/** Root folder of the scoutloop package (holds package.json, native/, boards/, fixtures/). */
export const PACKAGE_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "scoutloop") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("scoutloop: cannot find the package root (package.json)");
    dir = up;
  }
})();

const require = createRequire(import.meta.url);

/** The native addon; throws one clear line if it was not built. */
export const native: Native = (() => {
  try {
    return require(join(PACKAGE_ROOT, "native", "index.cjs")) as Native;
  } catch (err) {
    throw new Error(`scoutloop: native addon not built (run \`npm install\`): ${(err as Error).message.split("\n")[0]}`);
  }
})();
