// A container's log as the gateway keeps it: stdout and stderr in arrival order, bounded, keeping
// the tail (the end of a run says why it ended). The gateway refuses a log over 64 KiB.

export const LOG_LIMIT = 64 * 1024;

export class LogTail {
  private kept = '';
  private dropped = 0;
  /** Whether something arrived since the last text() (a flush is due). */
  changed = false;

  constructor(private readonly limit = LOG_LIMIT) {}

  append(chunk: string): void {
    if (!chunk) return;
    this.kept += chunk;
    this.changed = true;
    // Keep room for the "dropped" line; trim in one slice, not per chunk.
    const room = this.limit - 80;
    if (this.kept.length > room) {
      let cut = this.kept.length - room;
      // Never start on the second half of a surrogate pair: the gateway refuses unpaired ones.
      if (/[\uDC00-\uDFFF]/.test(this.kept[cut] ?? '')) cut++;
      this.dropped += cut;
      this.kept = this.kept.slice(cut);
    }
  }

  /** The log to send: the tail, after a line saying how much came before it. */
  text(): string {
    this.changed = false;
    return this.dropped
      ? `[… ${this.dropped} earlier characters dropped: the log keeps its last ${this.limit - 80}]\n${this.kept}`
      : this.kept;
  }
}
