import { renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { byteLength, FileWriteError } from './file-write-error';

/**
 * Writes a file so that readers see either the old content or the whole new content, never a part:
 * the bytes go to a temporary file in the same directory (same file system), then rename replaces.
 * A failure (no space, read-only, ...) throws a FileWriteError naming the file and its size, and leaves
 * no temporary file behind.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // the write's own error is the one to report
    }
    throw new FileWriteError(path, byteLength(data), error);
  }
}
