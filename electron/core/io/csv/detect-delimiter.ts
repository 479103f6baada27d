export type CsvDelimiter = ',' | ';' | '\t' | '|';

/** In order of preference when the evidence is even. */
export const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t', '|'];

const MAX_RECORDS = 50;

/**
 * Counts each candidate delimiter per record (outside quotes) over the first records of a sample.
 * Blank lines are ignored. When the sample is not the whole file its last record may be cut short,
 * so it is dropped unless it is the only one.
 */
function countPerRecord(sample: string, complete: boolean): number[][] {
  const records: number[][] = [];
  let counts = [0, 0, 0, 0];
  let nonBlank = false;
  let inQuotes = false;
  for (let i = 0; i < sample.length && records.length < MAX_RECORDS; i++) {
    const ch = sample[i];
    if (ch === '"') {
      inQuotes = !inQuotes;
      nonBlank = true;
    } else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (nonBlank) records.push(counts);
      counts = [0, 0, 0, 0];
      nonBlank = false;
    } else {
      if (!inQuotes) {
        const k = DELIMITERS.indexOf(ch as CsvDelimiter);
        if (k >= 0) counts[k]++;
      }
      if (ch !== ' ') nonBlank = true;
    }
  }
  if (nonBlank && records.length < MAX_RECORDS && (complete || records.length === 0)) records.push(counts);
  return records;
}

/**
 * Picks the delimiter among comma, semicolon, tab and pipe: the one that the header has and that
 * the most following records have exactly as often as the header (consistency), then the one the
 * header has most of, then the order above. A header with none of them means one column: then
 * the delimiter is the one the sample has least of (so lines with commas stay whole).
 */
export function detectDelimiter(sample: string, complete: boolean): CsvDelimiter {
  const records = countPerRecord(sample, complete);
  if (records.length === 0) return ',';
  const [header, ...rest] = records;
  let best: CsvDelimiter = ',';
  let bestScore = -1;
  let bestCount = 0;
  DELIMITERS.forEach((d, k) => {
    const inHeader = header[k];
    if (inHeader === 0) return;
    const score = rest.length === 0 ? 1 : rest.filter((r) => r[k] === inHeader).length / rest.length;
    if (score > bestScore || (score === bestScore && inHeader > bestCount)) {
      best = d;
      bestScore = score;
      bestCount = inHeader;
    }
  });
  if (bestScore < 0) {
    let fewest = Infinity;
    DELIMITERS.forEach((d, k) => {
      const total = records.reduce((sum, r) => sum + r[k], 0);
      if (total < fewest) {
        best = d;
        fewest = total;
      }
    });
  }
  return best;
}
