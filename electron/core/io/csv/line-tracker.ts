/**
 * Maps byte offsets of the stream fed to the parser to physical line numbers (1-based), counting
 * CRLF, LF and lone CR as one line break each. Chunks are kept only until the cursor passes them,
 * and the cursor only moves forward, so memory stays bounded by what the parser has not consumed.
 */
export class LineTracker {
  private chunks: Buffer[] = [];
  /** Offset of chunks[0]. */
  private chunkStart = 0;
  /** Offset of the cursor and the line it is on. */
  private offset = 0;
  private line = 1;
  /** The byte before the cursor was a CR (so an LF right after it is the same break). */
  private afterCR = false;

  add(chunk: Buffer): void {
    if (chunk.length > 0) this.chunks.push(chunk);
  }

  /** Bytes held at and after the cursor. */
  get retained(): number {
    let total = -(this.offset - this.chunkStart);
    for (const chunk of this.chunks) total += chunk.length;
    return total;
  }

  /** The line holding the byte at `target`, moving the cursor there. Targets must not decrease. */
  advance(target: number): number {
    while (this.offset < target && this.chunks.length > 0) {
      const chunk = this.chunks[0];
      const from = this.offset - this.chunkStart;
      const to = Math.min(chunk.length, target - this.chunkStart);
      const r = countBreaks(chunk, from, to, this.afterCR);
      this.line += r.breaks;
      this.afterCR = r.afterCR;
      this.offset += to - from;
      if (to === chunk.length) {
        this.chunks.shift();
        this.chunkStart += chunk.length;
      }
    }
    return this.line;
  }

  /** The line holding the byte at `target` (at or after the cursor), without moving the cursor. */
  peek(target: number, extra?: Buffer): number {
    let line = this.line;
    let afterCR = this.afterCR;
    let offset = this.offset;
    let start = this.chunkStart;
    for (const chunk of extra ? [...this.chunks, extra] : this.chunks) {
      if (offset >= target) break;
      const from = offset - start;
      const to = Math.min(chunk.length, target - start);
      const r = countBreaks(chunk, from, to, afterCR);
      line += r.breaks;
      afterCR = r.afterCR;
      offset += to - from;
      start += chunk.length;
    }
    return line;
  }
}

function countBreaks(buf: Buffer, from: number, to: number, afterCR: boolean): { breaks: number; afterCR: boolean } {
  let breaks = 0;
  let i = from;
  if (afterCR && i < to && buf[i] === 0x0a) i++;
  afterCR = afterCR && from === to;
  for (; i < to; i++) {
    const b = buf[i];
    if (b === 0x0a) {
      breaks++;
      afterCR = false;
    } else if (b === 0x0d) {
      breaks++;
      if (i + 1 < to) {
        if (buf[i + 1] === 0x0a) i++;
        afterCR = false;
      } else {
        afterCR = true;
      }
    } else {
      afterCR = false;
    }
  }
  return { breaks, afterCR };
}
