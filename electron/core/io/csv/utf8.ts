/**
 * Length of the UTF-8 sequence starting at `i` (1 to 4), 0 when the bytes there are not a valid
 * sequence, or -1 when the sequence is cut short by the end of `buf`.
 */
function sequenceAt(buf: Uint8Array, i: number): number {
  const b = buf[i];
  if (b < 0x80) return 1;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) need = 1;
  else if (b === 0xe0) {
    need = 2;
    lo = 0xa0;
  } else if (b === 0xed) {
    need = 2;
    hi = 0x9f;
  } else if (b >= 0xe1 && b <= 0xef) need = 2;
  else if (b === 0xf0) {
    need = 3;
    lo = 0x90;
  } else if (b === 0xf4) {
    need = 3;
    hi = 0x8f;
  } else if (b >= 0xf1 && b <= 0xf3) need = 3;
  else return 0;
  for (let j = 1; j <= need; j++) {
    if (i + j >= buf.length) return -1;
    const c = buf[i + j];
    if (j === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return 0;
  }
  return need + 1;
}

/**
 * Index of the first byte that starts an invalid UTF-8 sequence in `buf` (which must start on a
 * sequence boundary), or -1. A sequence cut short by the end of `buf` is invalid only when `final`.
 */
export function firstInvalidUtf8(buf: Uint8Array, final: boolean): number {
  for (let i = 0; i < buf.length; ) {
    const len = sequenceAt(buf, i);
    if (len > 0) i += len;
    else return len === 0 || final ? i : -1;
  }
  return -1;
}

/**
 * What a window of bytes holds: valid multi-byte UTF-8 sequences (a sign the file is UTF-8, since
 * text in a single-byte encoding almost never forms one) and where the first invalid byte is. A
 * sequence cut short by the end of `buf` is invalid only when `final`.
 */
export function utf8Census(buf: Uint8Array, final: boolean): { multiByte: number; firstInvalid: number } {
  let multiByte = 0;
  let firstInvalid = -1;
  for (let i = 0; i < buf.length; ) {
    const len = sequenceAt(buf, i);
    if (len < 0 && !final) break;
    if (len <= 0) {
      if (firstInvalid < 0) firstInvalid = i;
      i++;
    } else {
      if (len > 1) multiByte++;
      i += len;
    }
  }
  return { multiByte, firstInvalid };
}

/** Length of an unfinished sequence at the end of `buf` (0–3 bytes), where the next chunk resumes. */
export function unfinishedTail(buf: Uint8Array): number {
  for (let k = 1; k <= 3 && k <= buf.length; k++) {
    const b = buf[buf.length - k];
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return len > k ? k : 0;
    }
  }
  return 0;
}
