// The one CSV writer every export goes through, and the matching rule for reading our own files back.
import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | boolean | null;

/**
 * A spreadsheet runs a cell that starts with = + - @ as a formula, and one starting with a tab or
 * CR can hide such a start (OWASP "CSV injection"). Those cells are written with a leading
 * apostrophe, which spreadsheets show as text. A cell that already starts with apostrophes before
 * such a character gets one more, so restoreCell can undo exactly one and every value survives an
 * export → import round trip unchanged.
 */
const NEEDS_PREFIX = /^'*[=+\-@\t\r]/;
const PREFIXED = /^'+[=+\-@\t\r]/;

export function neutraliseCell(value: CsvCell): string {
  if (value === null) return '';
  const text = String(value);
  return NEEDS_PREFIX.test(text) ? `'${text}` : text;
}

/** Undoes neutraliseCell on import: one leading apostrophe before a formula character is ours, not the data's. */
export function restoreCell(text: string): string {
  return PREFIXED.test(text) ? text.slice(1) : text;
}

/**
 * Rows in column order → CSV text with a header line. Importers trim unquoted cells, so cells with
 * leading or trailing white space are quoted to survive a round trip.
 */
export function toCsv(columns: readonly string[], rows: CsvCell[][]): string {
  return stringify(
    rows.map((row) => row.map(neutraliseCell)),
    { header: true, columns: [...columns], quoted_match: /^\s|\s$/ },
  );
}
