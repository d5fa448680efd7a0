/**
 * A failed file write that says what it was writing, where, and how many bytes: enough for a caller to
 * tell the user what failed and how much space was needed, and to recognise a write failure (ENOSPC,
 * EROFS, EIO, EDQUOT, ...) among other errors without parsing messages.
 */
export class FileWriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    readonly bytes: number,
    cause: unknown,
  ) {
    const c = (cause as NodeJS.ErrnoException)?.code;
    super(`writing ${path} failed: ${(cause as Error)?.message ?? String(cause)} (${bytes} bytes to write)`, { cause });
    this.name = 'FileWriteError';
    this.code = c;
  }
}

/** The FileWriteError in an error or its chain of causes, if any. */
export function findFileWriteError(error: unknown): FileWriteError | undefined {
  for (let e = error, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof FileWriteError) return e;
  }
  return undefined;
}

export function byteLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}
