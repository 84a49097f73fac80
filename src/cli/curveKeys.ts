/**
 * CURVE key files for distributed runs, in ZeroMQ's certificate layout (czmq `zcert`), so keys
 * made by other ZeroMQ tools work too:
 *
 * ```
 * curve
 *     public-key = "Z85, 40 characters"
 *     secret-key = "Z85, 40 characters"     (only in the secret file)
 * ```
 *
 * A file of keys (`run --worker-keys`) holds any number of `public-key = "…"` lines or bare keys,
 * one per line; a line starting with `#` is a comment.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { InputError } from "./errors.js";

const KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

function read(path: string, what: string): string {
  try {
    const text = readFileSync(path, "utf8");
    if (text.length > 1 << 20) throw new InputError(`${path}: a ${what} file larger than 1 MiB`);
    return text;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read the ${what} file (${(err as Error).message})`);
  }
}

function field(line: string, name: string): string | null {
  const m = new RegExp(`^\\s*${name}\\s*=\\s*"(.{40})"\\s*$`).exec(line);
  return m ? m[1]! : null;
}

/** Every public key in a file of keys (certificates or bare keys). */
export function readPublicKeys(path: string): string[] {
  const keys: string[] = [];
  read(path, "key").split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim(); // "#" is a Z85 digit too: only whole lines are comments
    if (!line || line.startsWith("#") || line === "curve" || line === "metadata" || field(line, "secret-key")) return;
    const key = field(line, "public-key") ?? line;
    if (!KEY.test(key)) throw new InputError(`${path}:${i + 1}: not a Z85 CURVE public key`);
    keys.push(key);
  });
  if (keys.length === 0) throw new InputError(`${path}: no public key in the file`);
  return keys;
}

/** A keypair from a secret certificate file. */
export function readKeyPair(path: string): { publicKey: string; secretKey: string } {
  let publicKey: string | null = null;
  let secretKey: string | null = null;
  for (const line of read(path, "key").split(/\r?\n/)) {
    publicKey ??= field(line, "public-key");
    secretKey ??= field(line, "secret-key");
  }
  if (!publicKey || !secretKey || !KEY.test(publicKey) || !KEY.test(secretKey)) throw new InputError(`${path}: expected a CURVE certificate with public-key and secret-key (make one with: scoutloop worker --new-key FILE)`);
  return { publicKey, secretKey };
}

/** Write `path` (the secret certificate, mode 0600) and `path.pub` (the public one). */
export function writeKeyPair(path: string, keys: { publicKey: string; secretKey: string }, who: string): void {
  const head = `#   ZeroMQ CURVE certificate of ${who}, made by scoutloop on ${new Date().toISOString()}\ncurve\n`;
  writeFileSync(path, `${head}    public-key = "${keys.publicKey}"\n    secret-key = "${keys.secretKey}"\n`, { mode: 0o600 });
  writeFileSync(`${path}.pub`, `${head}    public-key = "${keys.publicKey}"\n`, { mode: 0o644 });
}

export function isZ85(text: string): boolean {
  return KEY.test(text);
}
