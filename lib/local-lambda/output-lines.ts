/**
 * Turns a runtime's stdout or stderr bytes into log lines, the way Lambda turns them into CloudWatch log
 * events: one event per line, and a line longer than an event can hold continues in the next event.
 *
 * CloudWatch Logs caps an event at 256 KB (262,144 bytes) counting 26 bytes of per-event overhead
 * (CloudWatch Logs quotas; PutLogEvents: "the sum of all event messages in UTF-8, plus 26 bytes for each
 * log event"), so a message carries at most 262,118 bytes. Lambda's own splitting of long lines lands at
 * exactly that size (2^18 - 26), as users have observed in its log groups.
 *
 * Cost and memory are bounded whatever the runtime writes: each chunk is scanned once for newlines and
 * kept as a view, never copied into a growing string; at most one event's worth of bytes is buffered. A
 * runtime that writes 100 MB without a newline costs the service one scan and about 400 events, not a
 * quadratic re-split of a 100 MB string on the thread that also timestamps the invocation's answer.
 */

/** The largest message of one CloudWatch Logs event: 256 KB less the 26 bytes each event is charged. */
export const MAX_LOG_MESSAGE_BYTES = 256 * 1024 - 26;

const NEWLINE = 0x0a;

/** The largest n <= limit at which `buf` can be cut without splitting a UTF-8 character. */
export function utf8CutPoint(buf: Buffer, limit: number): number {
  if (limit >= buf.length) return buf.length;
  let i = limit;
  // A continuation byte (10xxxxxx) at the cut means the character started earlier: cut before its lead byte.
  while (i > 0 && (buf[i] & 0xc0) === 0x80) i--;
  return i;
}

export class OutputLineSplitter {
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxBytes = MAX_LOG_MESSAGE_BYTES,
  ) {
    if (!(maxBytes >= 4)) throw new RangeError(`maxBytes must be at least 4 (one UTF-8 character), got ${maxBytes}`);
  }

  /** Bytes held for the line not yet ended (at most maxBytes). */
  get buffered(): number {
    return this.bytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      this.append(chunk.subarray(start, nl));
      this.emitPending(true);
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  /** Emits an unterminated last line (before END, or when the process is gone). */
  flush(): void {
    if (this.bytes > 0) this.emitPending(false);
  }

  private append(piece: Buffer): void {
    while (this.bytes + piece.length > this.maxBytes) {
      const room = this.maxBytes - this.bytes;
      let cut = utf8CutPoint(piece, room);
      // Not even one character fits beside what is held: emit that first. An empty buffer always takes
      // something, so the loop ends (bytes that are not UTF-8 are cut where they fall).
      if (cut === 0 && this.bytes === 0) cut = room;
      if (cut > 0) {
        this.parts.push(piece.subarray(0, cut));
        this.bytes += cut;
      }
      this.emitPending(false);
      piece = piece.subarray(cut);
    }
    if (piece.length > 0) {
      this.parts.push(piece);
      this.bytes += piece.length;
    }
  }

  private emitPending(endOfLine: boolean): void {
    if (this.bytes === 0 && !endOfLine) return;
    const line = this.parts.length === 1 ? this.parts[0].toString('utf8') : Buffer.concat(this.parts, this.bytes).toString('utf8');
    this.parts = [];
    this.bytes = 0;
    this.emit(line);
  }
}
