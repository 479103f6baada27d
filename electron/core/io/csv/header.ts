const MAX_RENAME_NOTES = 10;

/**
 * Makes header names usable as column names: trimmed, a blank name becomes "column_<n>" (n its
 * 1-based position), and a repeated name gets "_2", "_3", … (skipping names taken elsewhere in the
 * header). Each rename is reported as a note.
 */
export function uniqueColumns(raw: readonly string[]): { columns: string[]; notes: string[] } {
  const wanted = raw.map((name, i) => {
    const trimmed = name.trim();
    return trimmed === '' ? `column_${i + 1}` : trimmed;
  });
  // Names as they first appear are kept; only later repeats are renamed.
  const taken = new Set<string>();
  const keep = wanted.map((name) => {
    if (taken.has(name)) return false;
    taken.add(name);
    return true;
  });
  const renames: string[] = [];
  const columns = wanted.map((name, i) => {
    let final = name;
    if (!keep[i]) {
      let k = 2;
      while (taken.has(`${name}_${k}`)) k++;
      final = `${name}_${k}`;
      taken.add(final);
    }
    const blank = raw[i].trim() === '';
    if (blank) renames.push(`column ${i + 1} has no name, so it is called "${final}"`);
    else if (final !== name) renames.push(`column ${i + 1} repeats the name "${name}", so it is called "${final}"`);
    return final;
  });
  const notes: string[] = [];
  if (renames.length > 0) {
    const shown = renames.slice(0, MAX_RENAME_NOTES);
    const more = renames.length - shown.length;
    notes.push(`Header: ${shown.join('; ')}${more > 0 ? `; and ${more} more renamed` : ''}.`);
  }
  return { columns, notes };
}
