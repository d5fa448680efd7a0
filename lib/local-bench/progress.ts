/**
 * A one-line progress bar on a terminal; plain periodic lines otherwise (CI logs, pipes), so a log
 * never fills with carriage-return noise.
 */
export class ProgressBar {
  private lastPlainLine = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly width = 30) {}

  update(label: string, done: number, total: number): void {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    if (this.stream.isTTY) {
      const filled = Math.round(share * this.width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(this.width - filled)}`;
      this.stream.write(`\r${bar} ${String(Math.round(share * 100)).padStart(3)}% ${label} (${done}/${total})\x1b[K`);
    } else if (done === total || Date.now() - this.lastPlainLine > 5000) {
      this.lastPlainLine = Date.now();
      this.stream.write(`${label}: ${done}/${total}\n`);
    }
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
  }
}
