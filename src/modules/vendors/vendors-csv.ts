import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Kysely } from 'kysely';
import { auditRow, recordAuditRows, type AuditRow } from '../../platform/audit/audit.js';
import type { DB } from '../../platform/db/schema.js';
import { restoreCell, toCsv } from '../../platform/csv.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JobRun } from '../../platform/jobs/worker.js';
import type { JobLauncher, LaunchOptions } from '../../platform/jobs/launcher.js';
import { PUBLISH_PHASE, type Job } from '../../platform/jobs/queue.js';
import type { RequestContext } from '../../platform/context.js';
import { checker } from '../../platform/validation.js';
import { VENDOR_DEFAULTS, type VendorService, type VendorValues } from './vendors.service.js';
import { ANSWERABLE_FACTORS, stillMissing, type AnswerableFactor } from './risk-score.js';
import { CreateVendorBody, type CreateVendorInput, type Vendor, type VendorFilter } from './vendors.schemas.js';
import { presentVendor } from './vendors.mappers.js';

/** Exports take the inventory's filters and sort, never its paging. */
export type ExportFilter = Omit<VendorFilter, 'limit' | 'cursor'>;
import { VendorRepository } from './vendors.repository.js';
import type { VendorsTable } from './vendors.tables.js';
import { yieldToEventLoop } from '../../platform/event-loop.js';

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
export const COMPUTED_COLUMNS = ['tier', 'tier_provisional', 'missing_factors', 'risk_score', 'next_review_at'] as const;
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

/** Rows looked up (names, existing vendors) and checked per chunk, and subcontractor links per step. */
const CHUNK = 500;

/**
 * Vendors per publish step (one transaction), and rows parsed or checked between two yields to
 * the event loop. A step of 500 vendors held SQLite's write lock for 35-60 ms of CPU, several
 * times that on a loaded machine, with every request waiting behind it; 100 take 10-15 ms.
 */
const STEP = 100;

/**
 * One vendor as staged by an import, written by its publish step. Its audit events are built when
 * it is published, from what is staged here: staging them ready-made doubled what was written.
 */
interface StagedVendor {
  row: VendorsTable;
  /** The vendor as it was (an update), as the one-by-one API records it in the event's before. */
  before: Vendor | null;
  team: { key: string; name: string } | null;
  subcontractorCount: number;
  /** Its parent is created by the same file: set by a later step, once every new vendor exists. */
  deferParent: boolean;
  /** Subcontractors the file adds (links that exist already are not repeated). */
  subcontractors: Array<{ id: string; name: string }>;
}

/**
 * The import as staged: one row per publish step, in order, then the report. The vendor steps come
 * first; the link steps (parents created by the same file, subcontractor links) after all of them,
 * as a link may name a vendor of any chunk.
 */
type StagedStep = { vendors: StagedVendor[] } | { parents: Array<{ id: string; parent: string }>; links: Array<{ vendor_id: string; subcontractor_id: string }> };

/** How far a running import has got, reported through its job. */
type Progress = Pick<JobRun, 'progress'>;

export class VendorCsv {
  private readonly repo: VendorRepository;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly vendors: VendorService,
  ) {
    this.repo = new VendorRepository(db);
  }

  /** Starts the `vendors.import` job for a CSV text (see JobLauncher for wait and onProgress). */
  startImport(text: string, options: { dryRun: boolean } & Pick<LaunchOptions, 'wait' | 'onProgress'>, ctx: RequestContext, launcher: JobLauncher): Promise<Job> {
    const { dryRun, ...launch } = options;
    return launcher.start('vendors.import', { dryRun }, { ...launch, input: Buffer.from(text, 'utf8'), startedBy: ctx });
  }

  /**
   * The `vendors.import` job: the CSV is the job's input. Checks every row, in chunks, with lookups
   * made for a whole chunk at once; stages the rows it will write; then publishes them all in one
   * short transaction that also ends the job, or none (a row with an error, a cancel, a crash). A
   * dry run goes through the same checks, database-level ones included, and writes nothing.
   */
  async runImport(payload: { dryRun: boolean }, run: JobRun): Promise<ImportReport> {
    const { dryRun } = payload;
    if (run.resumeAt !== null) return this.publish(run, run.resumeAt);
    const report: ImportReport = { dryRun, rows: 0, created: 0, updated: 0, errors: [] };
    await run.progress({ phase: 'parsing', done: 0, total: null });
    const rows = await this.parseRows((await run.input()).toString('utf8'), report, run);
    report.rows = rows.length;
    if (report.errors.length && !dryRun) return report;
    await this.check(rows, report, run, !dryRun);
    report.errors.sort((a, b) => a.line - b.line);
    if (report.errors.length) return { ...report, created: 0, updated: 0 };
    if (dryRun) return report;
    const steps = await this.stagedCount(run);
    // The report is staged last, after the steps: a resumed publish answers it too.
    await run.stage([report]);
    // Everything is staged: from here on the import is decided, and is published whole.
    await run.progress({ phase: PUBLISH_PHASE, done: 0, total: steps });
    return this.publish(run, 0);
  }

  private async parseRows(text: string, report: ImportReport, run: Progress): Promise<ParsedRow[]> {
    const nul = text.indexOf('\u0000');
    if (nul >= 0) {
      // PostgreSQL text cannot store it; a NUL usually means the file is not text at all.
      report.errors.push({ line: text.slice(0, nul).split('\n').length, field: 'csv', reason: 'contains the NUL character (U+0000): is this a text CSV file?' });
      return [];
    }
    const records: Array<{ record: Record<string, string>; info: { lines: number; bytes: number } }> = [];
    try {
      // Streamed in slices, so parsing a large file yields to the event loop between slices.
      const parser = Readable.from(slices(text)).pipe(
        parse({
          columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
          bom: true,
          skip_empty_lines: true,
          trim: true,
          info: true,
          max_record_size: 1024 * 1024,
          to: MAX_ROWS + 1,
        }),
      );
      for await (const record of parser) {
        records.push(record);
        if (records.length % CHUNK === 0) await run.progress({ done: records.length });
      }
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
    for (const [index, { record: raw, info }] of records.entries()) {
      if (index && index % CHUNK === 0) await run.progress({ phase: 'checking', done: index, total: records.length });
      else if (index && index % STEP === 0) await yieldToEventLoop();
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

  /**
   * Checks rows against the inventory and each other, a chunk at a time, and (when `stage`) stages
   * what the publish step will write. Parent and subcontractor links are checked in file order
   * against the inventory's links plus those of earlier rows, as if the rows were added one by one.
   */
  private async check(rows: ParsedRow[], report: ImportReport, run: JobRun, stage: boolean): Promise<void> {
    const now = new Date().toISOString();
    const keyOf = (name: string) => name.trim().toLowerCase();
    // Every name the file creates or updates gets its id first: later rows may name earlier or later ones.
    const ids = new Map<string, string>();
    const existingIds = new Set<string>();
    for (let i = 0; i < rows.length; i += CHUNK) {
      for (const found of await this.repo.idsByNameKeys(rows.slice(i, i + CHUNK).map((r) => keyOf(r.input.name)))) {
        ids.set(found.name_key, found.id);
        existingIds.add(found.id);
      }
    }
    for (const row of rows) if (!ids.has(keyOf(row.input.name))) ids.set(keyOf(row.input.name), newId());
    const referenced = [...new Set(rows.flatMap((r) => [...(r.parent ? [r.parent] : []), ...r.subcontractors].map(keyOf)))].filter((k) => !ids.has(k));
    for (let i = 0; i < referenced.length; i += CHUNK) {
      for (const found of await this.repo.idsByNameKeys(referenced.slice(i, i + CHUNK))) ids.set(found.name_key, found.id);
    }
    const teams = new Map<string, { id: string; key: string; name: string }>();
    for (const team of await this.repo.allTeams()) teams.set(team.key, team).set(team.id, team);
    const { parents, edges } = await this.repo.linkGraph();
    const model = await this.vendors.riskModel();

    let buffer: StagedVendor[] = [];
    const deferredParents: Array<{ id: string; parent: string }> = [];
    const links: Array<{ vendor_id: string; subcontractor_id: string }> = [];
    const flush = async () => {
      if (stage && !report.errors.length && buffer.length) {
        // A publish step is one staged row: one insert stages a chunk's steps, one read publishes each.
        const steps: StagedStep[] = [];
        for (let k = 0; k < buffer.length; k += STEP) steps.push({ vendors: buffer.slice(k, k + STEP) });
        await run.stage(steps);
        for (const v of buffer) {
          if (v.deferParent) deferredParents.push({ id: v.row.id, parent: v.row.parent_vendor_id! });
          for (const sub of v.subcontractors) links.push({ vendor_id: v.row.id, subcontractor_id: sub.id });
        }
      }
      buffer = [];
    };

    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const existing = new Map((await this.repo.findRowsByIds(chunk.map((r) => ids.get(keyOf(r.input.name))!).filter((id) => existingIds.has(id)))).map((r) => [r.id, r]));
      for (const [k, row] of chunk.entries()) {
        if (k && k % STEP === 0) await yieldToEventLoop();
        const id = ids.get(keyOf(row.input.name))!;
        const before = existing.get(id);
        const fail = (field: string, reason: string) => report.errors.push({ line: row.line, field, reason });
        const parentId = this.linkParent(row, id, ids, parents, fail);
        const added = parentId === false ? [] : this.linkSubcontractors(row, id, ids, edges, fail);
        const current = before ? presentVendor(before) : null;
        const subcontractorCount = edges.get(id)?.size ?? 0;
        const values: VendorValues = current
          ? { ...current, team: current.team?.key ?? null, ...row.input }
          : { ...VENDOR_DEFAULTS, ...row.input };
        if (parentId) values.parentVendorId = parentId;
        const team = values.team ? teams.get(values.team) : undefined;
        if (values.team && !team) fail('team', `unknown team "${values.team}" (teams: it, security, legal, privacy, compliance)`);
        try {
          const composed = this.vendors.composeRow(
            id,
            values,
            {
              created_at: before?.created_at ?? now,
              last_reviewed_at: before?.last_reviewed_at ?? null,
              subcontractors: subcontractorCount,
              review_overdue: before?.review_overdue,
              // As a create or an update through the API: what the row leaves out stays unanswered.
              missing: stillMissing(current ? current.inherentRisk.missing : ANSWERABLE_FACTORS, new Set(Object.keys(row.input)), values.dataCategories),
            },
            team?.id ?? null,
            model,
          );
          const stored: VendorsTable = { ...composed, created_at: before?.created_at ?? now, updated_at: now, internal: 0 };
          if (stage && !report.errors.length) {
            buffer.push({
              row: stored,
              before: current,
              team: team ? { key: team.key, name: team.name } : null,
              subcontractorCount,
              deferParent: !!stored.parent_vendor_id && !existingIds.has(stored.parent_vendor_id),
              subcontractors: added,
            });
          }
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          for (const e of error.errors.length ? error.errors : [{ field: '/', reason: error.message }]) fail(columnOf(e.field), e.reason);
        }
        if (before) report.updated++;
        else report.created++;
      }
      await flush();
      await run.progress({ phase: stage ? 'staging' : 'checking', done: Math.min(i + CHUNK, rows.length), total: rows.length });
    }
    if (!stage || report.errors.length) return;
    for (let p = 0, l = 0; p < deferredParents.length || l < links.length; ) {
      const step = { parents: deferredParents.slice(p, p + CHUNK), links: links.slice(l, l + CHUNK) } satisfies StagedStep;
      await run.stage([step]);
      p += step.parents.length;
      l += step.links.length;
    }
  }

  /** The row's parent: its id, null when it names none, false when the link is refused (a cycle). */
  private linkParent(row: ParsedRow, id: string, ids: Map<string, string>, parents: Map<string, string | null>, fail: (field: string, reason: string) => void): string | null | false {
    if (!row.parent) return null;
    const parentId = ids.get(row.parent.trim().toLowerCase());
    if (!parentId) {
      fail('parent_vendor', `no vendor named "${row.parent}" in the file or the inventory`);
      return null;
    }
    if (parentId === id) {
      fail('parent_vendor', 'a vendor cannot be its own parent');
      return false;
    }
    const seen = new Set<string>();
    for (let current: string | null | undefined = parentId; current && !seen.has(current); current = parents.get(current)) {
      if (current === id) {
        fail('parent_vendor', 'would create a cycle');
        return false;
      }
      seen.add(current);
    }
    parents.set(id, parentId);
    return parentId;
  }

  /** Adds the row's subcontractor links to the graph, refusing any that would close a loop; answers the new ones. */
  private linkSubcontractors(row: ParsedRow, id: string, ids: Map<string, string>, edges: Map<string, Set<string>>, fail: (field: string, reason: string) => void): Array<{ id: string; name: string }> {
    const added: Array<{ id: string; name: string }> = [];
    for (const name of row.subcontractors) {
      const subId = ids.get(name.trim().toLowerCase());
      if (!subId) {
        fail('subcontractors', `no vendor named "${name}" in the file or the inventory`);
        continue;
      }
      if (subId === id) {
        fail('subcontractors', 'a vendor cannot subcontract itself');
        break;
      }
      if (reaches(edges, subId, id)) {
        fail('subcontractors', 'would create a cycle');
        break;
      }
      const out = edges.get(id) ?? new Set<string>();
      if (!out.has(subId)) {
        out.add(subId);
        added.push({ id: subId, name });
      }
      edges.set(id, out);
    }
    return added;
  }

  /**
   * The publish step, in short transactions, so that it never holds the write lock (SQLite) or
   * many row locks (PostgreSQL) for long: 100,000 rows written in one transaction held SQLite's
   * write lock for seconds. Each staged step is one transaction recorded with the job
   * (JobRun.publishStep): a chunk of vendors with their audit events (a parent created by the
   * same file left out, as it may be in a later chunk), then the parents and subcontractor links.
   *
   * The import was decided when its last step was staged without an error; publishing applies it.
   * A cancel is refused from then on; a failed step, or a killed process, leaves the job to be
   * retried with its staged steps, and the retry continues at the first step not recorded
   * (`resumeAt`), so the import ends applied whole. A step and its record commit together, so no
   * step is applied twice. What others see meanwhile is the import arriving chunk by chunk, for a
   * few seconds.
   */
  private async publish(run: JobRun, from: number): Promise<ImportReport> {
    const total = (await this.stagedCount(run)) - 1;
    for (let done = from; done < total; done++) {
      const [{ data: step }] = await run.staged<StagedStep>(done, 1);
      const audit = 'vendors' in step ? step.vendors.flatMap((v) => auditRows(run.ctx, v)) : [];
      await this.vendors.write(async (trx) => {
        const repo = new VendorRepository(trx);
        if ('vendors' in step) {
          await repo.upsertMany(step.vendors.map((v) => (v.deferParent ? { ...v.row, parent_vendor_id: null } : v.row)));
          await recordAuditRows(trx, audit);
          await this.vendors.domainsChanged(trx, step.vendors.filter((v) => v.row.domains !== '[]').map((v) => v.row.id), run.ctx);
          // An upsert may have changed an existing vendor's categories (a new vendor has no flows yet: nothing to do for it).
          await this.vendors.dataCategoriesChanged(trx, step.vendors.map((v) => v.row.id), run.ctx);
        } else {
          await repo.setParents(step.parents);
          await repo.addSubcontractors(step.links, new Date().toISOString());
        }
        await run.publishStep(trx, { done: done + 1, total });
      });
      // Other requests get the event loop and the write lock between steps.
      await yieldToEventLoop();
    }
    const [{ data: report }] = await run.staged<ImportReport>(total, 1);
    await this.db.transaction().execute((trx) => run.finish(trx, report));
    return report;
  }

  /** The staged steps are rows 0 … n-1; row n is the report. */
  private async stagedCount(run: JobRun): Promise<number> {
    const row = await this.db.selectFrom('job_staged_rows').select((eb) => eb.fn.countAll().as('n')).where('job_id', '=', run.job.id).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async exportCsv(filter: ExportFilter = {}): Promise<string> {
    const vendors = await this.allVendors(filter);
    const names = new Map(vendors.map((v) => [v.id, v.name]));
    // Parents and subcontractors outside the filter are still named.
    for (const id of new Set(vendors.map((v) => v.parentVendorId).filter((id): id is string => id !== null && !names.has(id)))) {
      names.set(id, (await this.vendors.get(id)).name);
    }
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

  async exportJson(filter: ExportFilter = {}): Promise<string> {
    const vendors = await this.allVendors(filter);
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

  private async allVendors(filter: ExportFilter): Promise<Vendor[]> {
    const out: Vendor[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.vendors.list({ ...filter, limit: 500, cursor });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }
}

/** A published vendor's audit events, as the one-by-one API records them: its create or update, and one per link added. */
function auditRows(ctx: RequestContext, v: StagedVendor): AuditRow[] {
  const id = v.row.id;
  const after = presentVendor({ ...v.row, team_key: v.team?.key ?? null, team_name: v.team?.name ?? null, subcontractor_count: v.subcontractorCount });
  return [
    auditRow(ctx, { action: v.before ? 'vendor.update' : 'vendor.create', entityType: 'vendor', entityId: id, before: v.before ?? undefined, after }),
    ...v.subcontractors.map((sub) => auditRow(ctx, { action: 'vendor.subcontractor.add', entityType: 'vendor', entityId: id, after: { subcontractorId: sub.id, name: sub.name, service: null } })),
  ];
}

/** The text in slices for the streaming parser (a slice may end inside a character: csv-parse decodes across them). */
function* slices(text: string, size = 64 * 1024): Generator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** Whether `target` can be reached from `from` along subcontractor links. */
function reaches(edges: Map<string, Set<string>>, from: string, target: string): boolean {
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length) {
    for (const next of edges.get(stack.pop()!) ?? []) {
      if (next === target) return true;
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return false;
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
    risk_score: v.inherentRisk.score.toFixed(1),
    // A terminated vendor is not reviewed: no date.
    next_review_at: v.nextReviewAt ?? '',
  };
  for (const factor of v.inherentRisk.missing) for (const column of FACTOR_CELLS[factor as AnswerableFactor] ?? []) row[column] = '';
  return row;
}
