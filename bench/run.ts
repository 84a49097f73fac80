/**
 * `npm run bench`: runs every benchmark module in this folder (each exports `run()`), or only
 * those named on the command line (`npm run bench -- deframer scoring`).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpus } from "node:os";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith(".js") && f !== "run.js" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

console.log(`scoutloop bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`);
for (const name of modules) {
  const mod = (await import(pathToFileURL(join(here, `${name}.js`)).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== "function") continue;
  console.log(`\n=== ${name} ===`);
  await mod.run();
}
