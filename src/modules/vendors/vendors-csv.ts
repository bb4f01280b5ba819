import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import type { RequestContext } from '../../platform/context.js';
import { restoreCell, toCsv } from '../../platform/csv.js';
import { AppError } from '../../platform/errors.js';
import { checker } from '../../platform/validation.js';
import type { VendorService } from './vendors.service.js';
import type { AnswerableFactor } from './risk-score.js';
import { CreateVendorBody, type CreateVendorInput, type Vendor } from './vendors.schemas.js';
import { VendorRepository } from './vendors.repository.js';

/** CSV columns, in export order. Lists are separated by ";" inside one cell. */
export const CSV_COLUMNS = [
  'name', 'aliases', 'domains', 'lei', 'duns', 'vat', 'country', 'website', 'description', 'status',
  'business_owner', 'team', 'services', 'data_categories', 'access_level', 'criticality', 'substitutability',
  'annual_spend', 'currency', 'regulatory_scope', 'ships_software', 'auto_update', 'parent_vendor', 'subcontractors',
] as const;
type Column = (typeof CSV_COLUMNS)[number];
/**
 * Computed columns the export adds after the inputs so a spreadsheet shows the assessment state;
 * the import accepts and ignores them, so an exported file imports unchanged.
 */
export const COMPUTED_COLUMNS = ['tier', 'tier_provisional', 'missing_factors'] as const;
type ExportColumn = Column | (typeof COMPUTED_COLUMNS)[number];
/** The cells a missing factor leaves empty, so a re-import leaves it missing instead of answering it with a placeholder. */
const FACTOR_CELLS: Record<AnswerableFactor, Column[]> = {
  dataSensitivity: ['data_categories'],
  accessLevel: ['access_level'],
  criticality: ['criticality'],
  substitutability: ['substitutability'],
  softwareSupply: ['ships_software', 'auto_update'],
};

const LIST_COLUMNS: Partial<Record<Column, keyof CreateVendorInput>> = {
  aliases: 'aliases',
  domains: 'domains',
  services: 'services',
  data_categories: 'dataCategories',
  regulatory_scope: 'regulatoryScope',
};
const TEXT_COLUMNS: Partial<Record<Column, keyof CreateVendorInput>> = {
  name: 'name',
  country: 'country',
  website: 'website',
  description: 'description',
  status: 'status',
  business_owner: 'businessOwner',
  team: 'team',
  access_level: 'accessLevel',
  currency: 'currency',
};
const NUMBER_COLUMNS: Partial<Record<Column, keyof CreateVendorInput>> = {
  criticality: 'criticality',
  substitutability: 'substitutability',
  annual_spend: 'annualSpend',
};
const BOOLEAN_COLUMNS: Partial<Record<Column, keyof CreateVendorInput>> = { ships_software: 'shipsSoftware', auto_update: 'autoUpdate' };

export interface ImportError {
  line: number;
  field: string;
  reason: string;
}

export interface ImportReport {
  dryRun: boolean;
  rows: number;
  created: number;
  updated: number;
  errors: ImportError[];
}

const MAX_ROWS = 100_000;
const checkVendor = checker(CreateVendorBody);

interface ParsedRow {
  line: number;
  input: CreateVendorInput;
  parent: string | null;
  subcontractors: string[];
}

/** Thrown inside the import transaction to roll everything back while keeping the report. */
class RollBack extends Error {}

export class VendorCsv {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly vendors: VendorService,
  ) {}

  /**
   * Checks every row, then writes all of them in one transaction, or none: a dry run goes through
   * the same path (so database-level checks such as unknown teams are reported too) and rolls back.
   */
  async import(text: string, dryRun: boolean, ctx: RequestContext): Promise<ImportReport> {
    const report: ImportReport = { dryRun, rows: 0, created: 0, updated: 0, errors: [] };
    const rows = this.parseRows(text, report);
    report.rows = rows.length;
    if (report.errors.length && !dryRun) return report;
    try {
      await this.vendors.write(async (trx) => {
        const ids = new Map<string, string>();
        for (const row of rows) {
          await this.upsert(trx as Kysely<DB>, row, ids, report, ctx);
        }
        for (const row of rows) await this.link(row, ids, report, ctx, trx as Kysely<DB>);
        if (dryRun || report.errors.length) throw new RollBack();
      });
    } catch (error) {
      if (!(error instanceof RollBack)) throw error;
    }
    report.errors.sort((a, b) => a.line - b.line);
    if (report.errors.length) {
      report.created = 0;
      report.updated = 0;
    }
    return report;
  }

  private parseRows(text: string, report: ImportReport): ParsedRow[] {
    const nul = text.indexOf('\u0000');
    if (nul >= 0) {
      // PostgreSQL text cannot store it; a NUL usually means the file is not text at all.
      report.errors.push({ line: text.slice(0, nul).split('\n').length, field: 'csv', reason: 'contains the NUL character (U+0000): is this a text CSV file?' });
      return [];
    }
    let records: Array<{ record: Record<string, string>; info: { lines: number; bytes: number } }>;
    try {
      records = parse(text, {
        columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
        bom: true,
        skip_empty_lines: true,
        trim: true,
        info: true,
        max_record_size: 1024 * 1024,
        to: MAX_ROWS + 1,
      });
    } catch (error) {
      const e = error as { code?: string; lines?: number; bytes_records?: number; message: string };
      if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
        // csv-parse names the last line of the file; the quote was opened in the record after the last complete one.
        const inHeader = !e.bytes_records && ((text.split(/\r?\n|\r/, 1)[0] ?? '').split('"').length - 1) % 2 === 1;
        const line = inHeader ? 1 : recordStartLines(text)(e.bytes_records || null);
        report.errors.push({ line, field: 'csv', reason: 'Quote Not Closed: a quoted cell that starts in this row never ends' });
      } else {
        // csv-parse's message names the problem ("Invalid Closing Quote: got …", "Invalid Record Length: …"): keep it whole.
        report.errors.push({ line: e.lines ?? 1, field: 'csv', reason: e.message });
      }
      return [];
    }
    if (records.length > MAX_ROWS) {
      report.errors.push({ line: MAX_ROWS + 2, field: 'csv', reason: `more than ${MAX_ROWS} rows; split the file` });
      return [];
    }
    if (!records.length) {
      report.errors.push({ line: 1, field: 'csv', reason: 'no rows: the first line must be a header naming the columns, then one vendor per line' });
      return [];
    }
    const header = Object.keys(records[0].record);
    const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h) && !(COMPUTED_COLUMNS as readonly string[]).includes(h));
    if (unknown.length) {
      report.errors.push({ line: 1, field: unknown[0], reason: `unknown column; known columns: ${CSV_COLUMNS.join(', ')}` });
      return [];
    }
    if (!header.includes('name')) {
      report.errors.push({ line: 1, field: 'name', reason: 'the header must have a name column' });
      return [];
    }
    const seen = new Map<string, number>();
    const rows: ParsedRow[] = [];
    const startLine = recordStartLines(text);
    let previousEnd: number | null = null;
    for (const { record: raw, info } of records) {
      const line = startLine(previousEnd);
      previousEnd = info.bytes;
      const record = Object.fromEntries(Object.entries(raw).map(([column, cell]) => [column, restoreCell(cell)]));
      const { input, problems } = toInput(record);
      for (const p of problems) report.errors.push({ line, ...p });
      const checked = checkVendor(input);
      if (!checked.ok) {
        for (const p of checked.problems) report.errors.push({ line, field: columnOf(p.field), reason: p.reason });
        continue;
      }
      const key = input.name.trim().toLowerCase();
      const earlier = seen.get(key);
      if (earlier) {
        report.errors.push({ line, field: 'name', reason: `duplicates line ${earlier}` });
        continue;
      }
      seen.set(key, line);
      rows.push({ line, input, parent: record.parent_vendor || null, subcontractors: splitList(record.subcontractors) });
    }
    return rows;
  }

  private async upsert(trx: Kysely<DB>, row: ParsedRow, ids: Map<string, string>, report: ImportReport, ctx: RequestContext) {
    const existing = await new VendorRepository(trx).findByNameKey(row.input.name.trim().toLowerCase());
    try {
      const { name, ...rest } = row.input;
      const vendor: Vendor = existing
        ? await this.vendors.updateIn(trx, existing.id, { name, ...rest }, ctx)
        : await this.vendors.createIn(trx, row.input, ctx);
      ids.set(vendor.name.toLowerCase(), vendor.id);
      if (existing) report.updated++;
      else report.created++;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      for (const e of error.errors.length ? error.errors : [{ field: '/', reason: error.message }]) {
        report.errors.push({ line: row.line, field: columnOf(e.field), reason: e.reason });
      }
    }
  }

  private async link(row: ParsedRow, ids: Map<string, string>, report: ImportReport, ctx: RequestContext, trx: Kysely<DB>) {
    const id = ids.get(row.input.name.trim().toLowerCase());
    if (!id) return;
    const resolve = async (name: string) => ids.get(name.toLowerCase()) ?? (await new VendorRepository(trx).findByNameKey(name.toLowerCase()))?.id;
    try {
      if (row.parent) {
        const parentId = await resolve(row.parent);
        if (!parentId) report.errors.push({ line: row.line, field: 'parent_vendor', reason: `no vendor named "${row.parent}" in the file or the inventory` });
        else await this.vendors.updateIn(trx, id, { parentVendorId: parentId }, ctx);
      }
      for (const name of row.subcontractors) {
        const subId = await resolve(name);
        if (!subId) report.errors.push({ line: row.line, field: 'subcontractors', reason: `no vendor named "${name}" in the file or the inventory` });
        else await this.vendors.addSubcontractorIn(trx, id, subId, null, ctx);
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      report.errors.push({ line: row.line, field: columnOf(error.errors[0]?.field ?? 'subcontractors'), reason: error.errors[0]?.reason ?? error.message });
    }
  }

  async exportCsv(): Promise<string> {
    const vendors = await this.allVendors();
    const names = new Map(vendors.map((v) => [v.id, v.name]));
    const subcontractors = await this.db
      .selectFrom('vendor_subcontractors')
      .select(['vendor_id', 'subcontractor_id'])
      .execute();
    const subsOf = new Map<string, string[]>();
    for (const edge of subcontractors) {
      subsOf.set(edge.vendor_id, [...(subsOf.get(edge.vendor_id) ?? []), names.get(edge.subcontractor_id) ?? edge.subcontractor_id]);
    }
    const rows = vendors.map((v) => toCsvRow(v, v.parentVendorId ? (names.get(v.parentVendorId) ?? '') : '', subsOf.get(v.id) ?? []));
    const columns = [...CSV_COLUMNS, ...COMPUTED_COLUMNS];
    return toCsv(columns, rows.map((row) => columns.map((column) => row[column])));
  }

  async exportJson(): Promise<string> {
    const vendors = await this.allVendors();
    const detailed = [];
    for (const vendor of vendors) {
      detailed.push({
        ...vendor,
        products: await this.vendors.listProducts(vendor.id),
        contacts: await this.vendors.listContacts(vendor.id),
        contracts: await this.vendors.listContracts(vendor.id),
      });
    }
    return JSON.stringify({ exportedAt: new Date().toISOString(), vendors: detailed }, null, 2);
  }

  private async allVendors(): Promise<Vendor[]> {
    const out: Vendor[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.vendors.list({ limit: 500, cursor });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }
}

/**
 * The line each record starts on (header = line 1). csv-parse's info.lines is the line a record
 * ends on, and it counts a CRLF inside a quoted cell as two lines, so every later row would be off;
 * lines are counted here from the byte offsets it reports (info.bytes, BOM included, as in the
 * UTF-8 buffer). Called with the previous record's end offset, or null for the first record.
 */
function recordStartLines(text: string): (previousEnd: number | null) => number {
  const buf = Buffer.from(text, 'utf8');
  const blank = (b: number | undefined) => b === 0x0a || b === 0x0d || b === 0x20 || b === 0x09;
  const lineBreak = (b: number | undefined) => b === 0x0a || b === 0x0d;
  // The header holds known column names only, so it ends at its first line break.
  let headerEnd = 0;
  while (headerEnd < buf.length && blank(buf[headerEnd])) headerEnd++;
  while (headerEnd < buf.length && !lineBreak(buf[headerEnd])) headerEnd++;
  let position = 0;
  let line = 1;
  return (previousEnd) => {
    let start = previousEnd ?? headerEnd;
    while (start < buf.length && blank(buf[start])) start++;
    for (; position < start; position++) {
      if (buf[position] === 0x0a || (buf[position] === 0x0d && buf[position + 1] !== 0x0a)) line++;
    }
    return line;
  };
}

/**
 * List cells hold items separated by ";". Inside an item, `\;` is a semicolon and `\\` a backslash;
 * any other backslash is kept as written, so a hand-written `C:\data` still imports as typed.
 */
export function splitList(cell: string | undefined): string[] {
  const items: string[] = [];
  let item = '';
  const text = cell ?? '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === ';' || text[i + 1] === '\\')) item += text[++i];
    else if (c === ';') {
      items.push(item);
      item = '';
    } else item += c;
  }
  items.push(item);
  return items.map((s) => s.trim()).filter(Boolean);
}

/** The inverse of splitList: every backslash and semicolon inside an item is escaped. */
export function joinList(values: string[]): string {
  return values.map((v) => v.replace(/[\\;]/g, (c) => `\\${c}`)).join(';');
}

/** CSV cells to API types; the API's own schema then judges the values. */
function toInput(record: Record<string, string>): { input: CreateVendorInput; problems: Array<{ field: string; reason: string }> } {
  const input: Record<string, unknown> = {};
  const problems: Array<{ field: string; reason: string }> = [];
  for (const [column, raw] of Object.entries(record) as Array<[Column, string]>) {
    if (raw === '' || raw === undefined) continue;
    if (TEXT_COLUMNS[column]) input[TEXT_COLUMNS[column]!] = raw;
    else if (LIST_COLUMNS[column]) input[LIST_COLUMNS[column]!] = splitList(raw);
    else if (NUMBER_COLUMNS[column]) {
      const n = Number(raw.replace(/[_\s]/g, ''));
      if (Number.isFinite(n)) input[NUMBER_COLUMNS[column]!] = n;
      else problems.push({ field: column, reason: `"${raw}" is not a number` });
    } else if (BOOLEAN_COLUMNS[column]) {
      if (/^(true|yes|y|1)$/i.test(raw)) input[BOOLEAN_COLUMNS[column]!] = true;
      else if (/^(false|no|n|0)$/i.test(raw)) input[BOOLEAN_COLUMNS[column]!] = false;
      else problems.push({ field: column, reason: `"${raw}" is not yes/no` });
    } else if (column === 'lei' || column === 'duns' || column === 'vat') {
      input.legalIds = { ...(input.legalIds as object), [column]: raw.toUpperCase() };
    }
  }
  return { input: input as CreateVendorInput, problems };
}

const FIELD_TO_COLUMN = new Map<string, string>([
  ...Object.entries({ ...TEXT_COLUMNS, ...LIST_COLUMNS, ...NUMBER_COLUMNS, ...BOOLEAN_COLUMNS }).map(([col, field]) => [field as string, col] as [string, string]),
  ['legalIds', 'lei/duns/vat'],
  ['parentVendorId', 'parent_vendor'],
  ['subcontractorId', 'subcontractors'],
]);

/** "/dataCategories/0" → "data_categories": errors name the CSV column the person typed in. */
function columnOf(pointer: string): string {
  const segments = pointer.replace(/^\//, '').split('/');
  if (segments[0] === 'legalIds' && segments[1]) return segments[1];
  return FIELD_TO_COLUMN.get(segments[0]) ?? (segments[0] || 'row');
}

function toCsvRow(v: Vendor, parent: string, subcontractors: string[]): Record<ExportColumn, string> {
  const row: Record<ExportColumn, string> = {
    name: v.name,
    aliases: joinList(v.aliases),
    domains: joinList(v.domains),
    lei: v.legalIds.lei ?? '',
    duns: v.legalIds.duns ?? '',
    vat: v.legalIds.vat ?? '',
    country: v.country ?? '',
    website: v.website ?? '',
    description: v.description ?? '',
    status: v.status,
    business_owner: v.businessOwner ?? '',
    team: v.team?.key ?? '',
    services: joinList(v.services),
    data_categories: joinList(v.dataCategories),
    access_level: v.accessLevel,
    criticality: String(v.criticality),
    substitutability: String(v.substitutability),
    annual_spend: v.annualSpend === null ? '' : String(v.annualSpend),
    currency: v.currency ?? '',
    regulatory_scope: joinList(v.regulatoryScope),
    ships_software: v.shipsSoftware ? 'yes' : 'no',
    auto_update: v.autoUpdate ? 'yes' : 'no',
    parent_vendor: parent,
    subcontractors: joinList(subcontractors),
    tier: v.tier,
    tier_provisional: v.tierProvisional ? 'yes' : 'no',
    missing_factors: joinList(v.inherentRisk.missing),
  };
  for (const factor of v.inherentRisk.missing) for (const column of FACTOR_CELLS[factor as AnswerableFactor] ?? []) row[column] = '';
  return row;
}
