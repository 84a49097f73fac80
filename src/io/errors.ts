/** Errors of the file readers and writers in src/io. */

/**
 * A file that cannot be read as the format it claims to be. The message is one line that names the
 * file and what is wrong with it, e.g. `x.h5: dataset "Particles" has shape (10,19,3), expected (N,19,4)`.
 */
export class FileFormatError extends Error {
  override name = "FileFormatError";
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
  }
}
