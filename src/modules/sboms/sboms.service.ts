import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { isPostgres, isUniqueViolation } from '../../platform/db/database.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { AppError, conflict, invalidField, notFound, validationError, type FieldProblem } from '../../platform/errors.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { parsePurl, PurlError } from '../purl/index.js';
import { comparatorFor, parseVers, versComparatorFor, versContains, VersError, type VersionComparator } from '../versioning/index.js';
import { SbomParseError } from './parsers/index.js';
import { diffSboms } from './sboms.diff.js';
import { ESTATE, resolveProductId } from './sboms.estate.js';
import { canonicalEcosystem, identityOfPurl, normalizeName } from './sboms.identity.js';
import { clean, unpackEdges, type SbomFacts } from './sboms.ingest.js';
import { readSbomOffThread, type ReadSbomSlices } from './sboms.reader.js';
import { presentComponent, presentSbom } from './sboms.mappers.js';
import { applyCurrentChange } from './sboms.usage.js';
import { SEARCH_INDEX_JOB, type SearchIndexJobPayload } from '../search/search.index.js';
import { SbomRepository, type ProductOwner, type SbomListFilter, type UsageCriteria, type UsageRow } from './sboms.repository.js';
import type { ListComponentsQueryType, Sbom, Usage, UsageQueryType } from './sboms.schemas.js';
import type { SbomsTable } from './sboms.tables.js';
import type { SbomMatching } from '../matching/matching.hook.js';
import { releaseRow } from '../matching/matching.cpe.js';
import { writeComponentCpes, writeReleaseCpes } from '../cpes/cpes.ingest.js';
import { refreshStaleStatistics } from '../../platform/db/statistics.js';
import type { Job, JobQueue } from '../../platform/jobs/queue.js';
import type { JobRun } from '../../platform/jobs/worker.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface UploadOptions {
  /** The product release the SBOM describes; default: the root component's version, else the product's version. */
  release?: string;
  /** Store the SBOM even when purls are invalid (dropped, reported as warnings). */
  lenient?: boolean;
}

export type UploadProgress = (phase: 'parse' | 'store' | 'match', done: number, total: number) => void | Promise<void>;

/** What an upload run as a job is given: the request's choices, the product resolved. */
export interface UploadJobPayload {
  productId: string;
  release?: string;
  lenient?: boolean;
}

/** The outcome of an upload run as a job (its result). */
export interface UploadResult {
  sbomId: string;
  release: string;
  componentCount: number;
  supersedes: string | null;
}

/** Runs inside the publish transaction: a job ends there, so the SBOM and the job's end commit together. */
export type PublishHook = (trx: Executor, result: UploadResult) => Promise<void>;

/** The job kind of queued uploads. */
export const UPLOAD_JOB = 'sboms.upload';

/**
 * Rows written (and matched) together on PostgreSQL: each statement there is a round trip, and the
 * reader's slices (500 rows, sized for the garbage collector) made a typical 10,000-component
 * upload ~80-100 statements and round trips more than in 2,000-row batches. SQLite, in process,
 * writes slice by slice.
 */
const POSTGRES_BATCH_ROWS = 2_000;

/** Slices joined into batches of at least `rows` rows (each slice alone when 0). */
function* batched<T>(slices: Iterable<T[]>, rows: number): Generator<T[]> {
  let batch: T[] = [];
  for (const slice of slices) {
    if (!batch.length && slice.length >= rows) {
      yield slice;
      continue;
    }
    for (const row of slice) batch.push(row);
    if (batch.length >= rows) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Publish attempts that may find a feed write since matching began before matching runs inside the publish transaction. */
const PUBLISH_ROUNDS = 3;
/** An unpublished SBOM this old belongs to an upload that died: its rows are removed. */
const ABANDONED_AFTER_MS = 60 * 60_000;

export interface SbomLimits {
  /** Largest accepted document, in bytes (THIRDWATCH_MAX_UPLOAD_MB). */
  maxUploadBytes: number;
}

/** The media type the original is served with, by what the parser recognised (not what the client claimed). */
function mediaTypeOf(sbom: Pick<SbomFacts, 'format' | 'encoding'>): string {
  if (sbom.format === 'cyclonedx') return sbom.encoding === 'xml' ? 'application/vnd.cyclonedx+xml' : 'application/vnd.cyclonedx+json';
  switch (sbom.encoding) {
    case 'tag-value':
      return 'text/spdx';
    case 'json-ld':
      return 'application/ld+json';
    default:
      return 'application/spdx+json';
  }
}

/** File name extensions for downloads, by media type. */
const EXTENSIONS: Record<string, string> = {
  'application/vnd.cyclonedx+xml': 'cdx.xml',
  'application/vnd.cyclonedx+json': 'cdx.json',
  'text/spdx': 'spdx',
  'application/ld+json': 'spdx3.json',
  'application/spdx+json': 'spdx.json',
};

/** A release as given or derived: no control characters, at most 200 characters. */
function releaseLabel(text: string | null | undefined): string | null {
  if (!text) return null;
  // eslint-disable-next-line no-control-regex
  const label = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, 200);
  return label || null;
}

function parseProblem(error: SbomParseError): AppError {
  const problems: FieldProblem[] = error.details?.length
    ? error.details.map((d) => ({ field: d.pointer || '/', reason: d.message }))
    : [{ field: error.pointer || '/', reason: error.message }];
  if (error.pointer && problems[0].field !== error.pointer) problems.unshift({ field: error.pointer, reason: error.message });
  const where = error.pointer && !error.message.includes(error.pointer) ? ` (at ${error.pointer})` : '';
  return validationError(`the SBOM cannot be read: ${error.message}${where}`, problems);
}

type VersionTest = (ecosystem: string, version: string | null) => boolean;

const COMPARISON = /^(<=|>=|!=|==|<|>|=)\s*(\S.*)$/;

function comparatorOf(ecosystem: string): VersionComparator {
  return comparatorFor(ecosystem) ?? versComparatorFor(ecosystem.toLowerCase()) ?? versComparatorFor('generic')!;
}

/** "4.4.1" is matched exactly (in SQL); ">=1.0,<2.0" and "vers:…" ranges are tested per row. */
function versionFilter(text: string | undefined): { exact?: string; test?: VersionTest } {
  if (text === undefined) return {};
  const value = text.trim();
  if (value.startsWith('vers:')) {
    let range;
    try {
      range = parseVers(value, { normalize: true });
    } catch (error) {
      if (error instanceof VersError) throw invalidField('version', error.message);
      throw error;
    }
    return { test: (_ecosystem, version) => version !== null && versContains(range, version) === 'affected' };
  }
  if (!/^[<>=!]/.test(value)) return { exact: value };
  const constraints = value.split(',').map((part) => {
    const match = COMPARISON.exec(part.trim());
    if (!match) throw invalidField('version', `"${part.trim()}" is not a comparison such as >=1.2.0 or <2`);
    return { op: match[1], version: match[2].trim() };
  });
  return {
    test: (ecosystem, version) => {
      if (version === null) return false;
      const cmp = comparatorOf(ecosystem);
      return constraints.every(({ op, version: bound }) => {
        const order = cmp.compare(version, bound);
        switch (op) {
          case '<':
            return order < 0;
          case '<=':
            return order <= 0;
          case '>':
            return order > 0;
          case '>=':
            return order >= 0;
          case '!=':
            return order !== 0;
          default:
            return order === 0;
        }
      });
    },
  };
}

/** The name as stored in name_key: what follows the last '/' or ':', except that an npm scope stays ('@babel/core'). */
function bareName(name: string): string {
  if (/^@[^/]+\/[^/:]+$/.test(name)) return name;
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf(':'));
  return name.slice(cut + 1);
}

export class SbomService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly limits: SbomLimits,
    /** Matches a written, unpublished SBOM's components (modules/matching). */
    private readonly matching: SbomMatching | undefined,
    /** Uploads asked to run as jobs, and the search index of published SBOMs, are queued here (platform/jobs). */
    private readonly jobs: JobQueue,
    /** Runs in the publish transaction: correlation of the SBOM's component hashes with indicators (modules/indicators). */
    private readonly onPublish?: (trx: Executor, sbomId: string, ctx: RequestContext) => Promise<unknown>,
  ) {}

  private repo(executor: Executor = this.db) {
    return new SbomRepository(executor);
  }

  estate() {
    return { vendor: { id: ESTATE.vendorId, name: ESTATE.vendorName }, product: { id: ESTATE.productId, name: ESTATE.productName }, alias: ESTATE.alias };
  }

  private async owner(productRef: string): Promise<ProductOwner> {
    const productId = resolveProductId(productRef);
    const owner = await this.repo().findOwner(productId);
    if (!owner) throw notFound('product', productRef);
    return owner;
  }

  /**
   * Parses the document on the reader thread before anything is written (a bad one costs no lock,
   * writes nothing and never holds the event loop),
   * then writes the SBOM unpublished: its components a slice at a time, each slice's findings
   * right after it (so neither a large document's rows nor its findings are ever all in memory),
   * then its edges and compressed original; each statement bounded and outside any transaction, so
   * a 50,000-component upload never holds the write lock or the event loop for long. A short
   * transaction then publishes it (current flag, technologies rollup, one audit event). Until then
   * no read sees any of it; a failure removes it, and a killed process leaves it invisible until a
   * later upload sweeps it.
   */
  /**
   * Answers whether `upload` would accept this document for the product (the same checks, the same
   * errors), storing nothing: for callers that take several documents together and must refuse them
   * all before storing any (SBOM answers of an assessment).
   */
  async check(productRef: string, body: Buffer, options: UploadOptions): Promise<void> {
    this.checkSize(body);
    await this.owner(productRef);
    await this.read(body, options);
  }

  private checkSize(body: Buffer): void {
    if (!body.length) throw invalidField('/', 'the request body is empty: send the SBOM document itself as the body');
    if (body.length > this.limits.maxUploadBytes) throw new AppError('payload_too_large', `the SBOM is ${body.length} bytes, over the limit of ${this.limits.maxUploadBytes} bytes`);
  }

  private async read(body: Buffer, options: UploadOptions): Promise<ReadSbomSlices> {
    let read: ReadSbomSlices;
    try {
      read = await readSbomOffThread(body, { maxBytes: this.limits.maxUploadBytes, lenient: options.lenient });
    } catch (error) {
      if (error instanceof SbomParseError) throw parseProblem(error);
      throw error;
    }
    const { badPurls } = read;
    if (badPurls.length && !options.lenient) {
      throw validationError(`the SBOM has ${read.badPurlCount === 1 ? 'an invalid purl' : `${read.badPurlCount} invalid purls`}: ${badPurls[0].field}: ${badPurls[0].reason} (upload with lenient=true to store it without them)`, badPurls);
    }
    return read;
  }

  async upload(productRef: string, body: Buffer, options: UploadOptions, ctx: RequestContext, onProgress?: UploadProgress, publishWith?: PublishHook): Promise<Sbom> {
    const owner = await this.owner(productRef);
    this.checkSize(body);

    // Compression runs on the libuv pool while the reader's thread parses. Level 1: SBOM text still
    // shrinks 4-5×, at a third of the CPU of the default level, which competes with parsing on small hosts.
    const compressing = gzipAsync(body, { level: 1 });
    compressing.catch(() => undefined);
    await onProgress?.('parse', 0, 1);
    const read = await this.read(body, options);
    const { facts } = read;
    await onProgress?.('parse', 1, 1);
    const release = releaseLabel(options.release) ?? releaseLabel(facts.root?.version) ?? releaseLabel(owner.version) ?? 'unversioned';
    const mediaType = mediaTypeOf(facts);
    const sha256 = read.sha256;

    const id = newId();
    const row: SbomsTable = {
      id,
      product_id: owner.id,
      release,
      is_current: 0,
      published: 0,
      format: facts.format,
      encoding: facts.encoding,
      spec_version: clean(facts.specVersion),
      serial_number: clean(facts.serialNumber),
      document_created_at: clean(facts.createdAt),
      tools: clean(JSON.stringify(facts.tools)),
      root_ref: clean(facts.root?.ref ?? null),
      root_name: clean(facts.root?.name ?? null),
      root_version: clean(facts.root?.version ?? null),
      root_purl: clean(facts.root?.purl ?? null),
      component_count: read.componentCount,
      dependency_count: read.edgeCount,
      warnings: clean(JSON.stringify(facts.warnings)),
      byte_size: body.length,
      sha256,
      media_type: mediaType,
      uploaded_at: new Date().toISOString(),
      uploaded_by: ctx.actor.name,
    };
    const total = read.componentCount;
    await this.sweepAbandoned();

    // Written unpublished, in bounded statements outside any transaction: no read sees the SBOM
    // and no other writer waits on it until the short publish transaction at the end.
    await this.write(async (trx) => {
      if (!(await this.repo(trx).lockProduct(owner.id))) throw notFound('product', productRef);
      await this.repo(trx).insertSbom(row);
    });
    let supersedes: string | null;
    try {
      const repo = this.repo();
      // Matched as it is written, against the feeds and the superseded SBOM as they are now; the
      // publish transaction checks that neither moved meanwhile (see publishMatched).
      const matched = { previous: (await repo.currentFor(owner.id, release))?.id ?? null, feedWrites: this.matching ? await this.matching.feedWrites(this.db) : 0 };
      const run = this.matching?.start(this.db, this.stored(owner, row, matched.previous, matched.feedWrites), ctx);
      // The release itself (idx 0) is matched by its CPEs: the root's, the product's own or one derived from its names.
      const releaseCpes = await writeReleaseCpes(this.db, id, { product: { name: owner.name, cpe: owner.cpe }, vendor: { name: owner.vendor_name }, release, root: facts.root });
      if (releaseCpes.length) await run?.add([releaseRow(row.root_name ?? owner.name, release)], releaseCpes);
      let done = 0;
      for (const rows of batched(read.slices(), isPostgres(this.db) ? POSTGRES_BATCH_ROWS : 0)) {
        await repo.insertComponents(id, rows);
        await repo.insertComponentHashes(id, rows);
        const cpes = await writeComponentCpes(this.db, id, rows);
        await run?.add(rows, cpes);
        done += rows.length;
        await onProgress?.('store', done, total);
      }
      await repo.insertGraph(id, read.edgeCount, read.packedEdges);
      // Compressed on the side meanwhile; awaited only now, so it rarely waits at all.
      await repo.insertDocument(id, 'gzip', await compressing);
      await run?.finish();
      await onProgress?.('match', 0, 1);

      // Progress is reported outside the publish transaction (a job records it with a write of its own).
      supersedes = await this.publishMatched(owner, row, read.facts, ctx, productRef, matched, async (trx, previous) => {
        await publishWith?.(trx, { sbomId: id, release, componentCount: total, supersedes: previous });
      });
    } catch (error) {
      await this.repo().discard(id);
      throw error;
    }
    // The search index job queued with the publish runs now in this process's worker, if it has one.
    this.jobs.wake();
    // Uploads grow these tables a little at a time: PostgreSQL's statistics must follow them (see
    // refreshStaleStatistics). The 201 does not wait for it: analyzing both tables takes hundreds of
    // milliseconds once they hold a few uploads, and the upload is committed already (it never throws).
    void refreshStaleStatistics(this.db, ['sboms', 'sbom_components', 'findings']);
    return {
      ...presentSbom({ ...row, is_current: 1, published: 1, product_name: owner.name, vendor_id: owner.vendor_id, vendor_name: owner.vendor_name }),
      supersedes,
    };
  }

  private stored(owner: ProductOwner, row: SbomsTable, supersedes: string | null, feedWrites: number) {
    return { sbomId: row.id, productId: owner.id, vendorId: owner.vendor_id, release: row.release, supersedes, feedWrites };
  }

  /**
   * Publishes a written SBOM in one short transaction: it becomes current (the previous current
   * SBOM of its release stops being so), the technologies rollup follows, and one audit event is
   * recorded. Its findings were matched as it was written, against `matched`: when a feed write
   * committed since, or another SBOM of the release became current, they are matched again first;
   * after a few such rounds the matching runs inside the publish transaction.
   */
  private async publishMatched(owner: ProductOwner, row: SbomsTable, facts: SbomFacts, ctx: RequestContext, productRef: string, matched: { previous: string | null; feedWrites: number }, publishWith: (trx: Executor, supersedes: string | null) => Promise<void>): Promise<string | null> {
    let { previous, feedWrites } = matched;
    for (let round = 1; ; round++) {
      const last = round >= PUBLISH_ROUNDS;
      if (round > 1 && !last) {
        await this.repo().discardFindings(row.id);
        previous = (await this.repo().currentFor(owner.id, row.release))?.id ?? null;
        feedWrites = this.matching ? await this.matching.feedWrites(this.db) : 0;
        if (this.matching) await this.matching.match(this.db, this.stored(owner, row, previous, feedWrites), ctx);
      }
      const outcome = await this.write(async (trx) => {
        const repo = this.repo(trx);
        if (!(await repo.lockProduct(owner.id))) throw notFound('product', productRef);
        const lockedWrites = this.matching ? await this.matching.lockForPublish(trx) : 0;
        const feedsMoved = lockedWrites !== feedWrites;
        const current = (await repo.currentFor(owner.id, row.release))?.id ?? null;
        // Matched against other advisories, or carrying decisions over from another SBOM, than now.
        if ((feedsMoved || current !== previous) && !last) return { again: true as const };
        if (this.matching && last) {
          await repo.discardFindings(row.id);
          await this.matching.match(trx, this.stored(owner, row, current, lockedWrites), ctx);
        }
        if (current) {
          await repo.setCurrent(current, false);
          await applyCurrentChange(trx, { productId: owner.id, vendorId: owner.vendor_id, sbomId: current, delta: -1 });
        }
        if (!Number((await repo.publish(row.id)).numUpdatedRows)) throw notFound('SBOM', row.id);
        await applyCurrentChange(trx, { productId: owner.id, vendorId: owner.vendor_id, sbomId: row.id, delta: 1 });
        await recordAudit(trx, ctx, {
          action: 'sbom.upload',
          entityType: 'product',
          entityId: owner.id,
          after: {
            sbomId: row.id,
            release: row.release,
            format: facts.format,
            specVersion: facts.specVersion,
            componentCount: row.component_count,
            dependencyCount: row.dependency_count,
            sha256: row.sha256,
            byteSize: row.byte_size,
            supersedes: current,
          },
        });
        await this.onPublish?.(trx, row.id, ctx);
        // Global search indexes the components after the commit, off the upload's path: queued here,
        // so an SBOM never becomes current without the job that makes its components findable.
        await this.jobs.enqueue(SEARCH_INDEX_JOB, { sbomId: row.id } satisfies SearchIndexJobPayload, { maxAttempts: 10 }, trx);
        await publishWith(trx, current);
        return { again: false as const, supersedes: current };
      });
      if (!outcome.again) return outcome.supersedes;
    }
  }

  /**
   * Queues an upload as a job (platform/jobs): the bytes are stored with it in parts, a worker runs
   * it with progress and cancellation, and `GET /api/v1/jobs/{id}` follows it. The document is
   * checked for size and product here; everything else happens as in `upload`.
   */
  async enqueueUpload(productRef: string, body: Buffer, options: UploadOptions, ctx: RequestContext): Promise<Job> {
    const owner = await this.owner(productRef);
    if (!body.length) throw invalidField('/', 'the request body is empty: send the SBOM document itself as the body');
    if (body.length > this.limits.maxUploadBytes) throw new AppError('payload_too_large', `the SBOM is ${body.length} bytes, over the limit of ${this.limits.maxUploadBytes} bytes`);
    const payload: UploadJobPayload = { productId: owner.id, release: options.release, lenient: options.lenient };
    const id = await this.jobs.enqueue(UPLOAD_JOB, payload, { input: body, startedBy: ctx });
    return (await this.jobs.get(id))!;
  }

  /** The job handler of queued uploads: the upload, reporting progress, ending the job in its publish transaction. */
  async runUploadJob(payload: UploadJobPayload, run: JobRun): Promise<UploadResult> {
    const body = await run.input();
    let result: UploadResult | null = null;
    await this.upload(
      payload.productId,
      body,
      { release: payload.release, lenient: payload.lenient },
      run.ctx,
      (phase, done, total) => run.progress({ phase, done, total }),
      async (trx, outcome) => {
        result = outcome;
        await run.finish(trx, outcome);
      },
    );
    return result!;
  }

  /** Removes SBOMs whose upload was abandoned (a killed process) long enough ago that none is still writing. */
  private async sweepAbandoned(): Promise<void> {
    for (const id of await this.repo().abandoned(new Date(Date.now() - ABANDONED_AFTER_MS).toISOString())) await this.repo().discard(id);
  }

  async get(id: string): Promise<Sbom> {
    const row = await this.repo().findSbom(id);
    if (!row) throw notFound('SBOM', id);
    return presentSbom(row);
  }

  async list(productRef: string, filter: SbomListFilter & { limit?: number; cursor?: string }): Promise<PageOf<Sbom>> {
    const owner = await this.owner(productRef);
    const limit = filter.limit ?? 50;
    const cursor = decodeCursor(filter.cursor, 'string');
    const rows = await this.repo().listSboms(owner.id, filter, cursor, limit);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: page.map(presentSbom), nextCursor: more && last ? encodeCursor({ key: last.id, id: last.id }) : null };
  }

  /**
   * Releases with SBOMs, newest first. Every release keeps its latest SBOM (`currentSbomId`); only
   * one release is in use: the product's version when it has SBOMs, else the newest release.
   */
  async releases(productRef: string) {
    const owner = await this.owner(productRef);
    const rows = await this.repo().releases(owner.id);
    const inUse = rows.some((r) => r.release === owner.version) ? owner.version : (rows[0]?.release ?? null);
    return rows.map((r) => ({
      release: r.release,
      currentSbomId: (r.current_id as string | null) ?? null,
      sbomCount: Number(r.sbom_count),
      lastUploadedAt: String(r.last_uploaded_at),
      inUse: r.release === inUse,
    }));
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.write(async (trx) => {
      const repo = this.repo(trx);
      const row = await repo.findSbom(id);
      if (!row) throw notFound('SBOM', id);
      await repo.lockProduct(row.product_id);
      let promoted: string | null = null;
      if (Number(row.is_current) === 1) {
        await applyCurrentChange(trx, { productId: row.product_id, vendorId: row.vendor_id, sbomId: id, delta: -1 });
        await repo.setCurrent(id, false);
        const latest = await repo.latestOf(row.product_id, row.release, id);
        if (latest) {
          // In step with feed writes, as a publish is: none commits between the match and this commit.
          const feedWrites = this.matching ? await this.matching.lockForPublish(trx) : 0;
          await repo.setCurrent(latest.id, true);
          await applyCurrentChange(trx, { productId: row.product_id, vendorId: row.vendor_id, sbomId: latest.id, delta: 1 });
          promoted = latest.id;
          // Feed writes match current SBOMs only: the one current again is matched against what came
          // in since it stopped being current, taking decisions from this one's findings before they go.
          await this.matching?.rematch(trx, { sbomId: latest.id, productId: row.product_id, vendorId: row.vendor_id, release: row.release, supersedes: id, feedWrites }, ctx);
        }
      }
      await repo.deleteSbom(id);
      await recordAudit(trx, ctx, {
        action: 'sbom.delete',
        entityType: 'product',
        entityId: row.product_id,
        before: { sbomId: id, release: row.release, sha256: row.sha256, componentCount: Number(row.component_count) },
        after: { currentSbomId: promoted },
      });
    });
  }

  /** The original bytes, gzip-compressed as stored, with what a download needs to describe them. */
  async document(id: string): Promise<{ gzip: Buffer; mediaType: string; filename: string; byteSize: number; inflate(): Promise<Buffer> }> {
    const sbom = await this.repo().findSbom(id);
    if (!sbom) throw notFound('SBOM', id);
    const doc = await this.repo().document(id);
    if (!doc) throw notFound('SBOM document', id);
    const content = Buffer.isBuffer(doc.content) ? doc.content : Buffer.from(doc.content);
    const base = `${sbom.product_name}-${sbom.release}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
    return {
      gzip: content,
      mediaType: sbom.media_type,
      filename: `${base}.${EXTENSIONS[sbom.media_type] ?? 'sbom'}`,
      byteSize: Number(sbom.byte_size),
      inflate: () => gunzipAsync(content),
    };
  }

  async components(id: string, query: ListComponentsQueryType) {
    await this.get(id);
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor, 'integer');
    if (cursor && cursor.id !== id) throw invalidField('cursor', 'belongs to another SBOM');
    const filter = { ...query, ecosystem: query.ecosystem ? canonicalEcosystem(query.ecosystem) : undefined };
    const rows = await this.repo().listComponents(id, filter, cursor ? Number(cursor.key) : null, limit);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: page.map(presentComponent), nextCursor: more && last ? encodeCursor({ key: Number(last.idx), id }) : null };
  }

  async dependencies(id: string, query: { limit?: number; cursor?: string; ref?: string }) {
    const sbom = await this.repo().findSbom(id);
    if (!sbom) throw notFound('SBOM', id);
    const limit = query.limit ?? 100;
    const cursor = decodeCursor(query.cursor, 'integer');
    const after = cursor ? { from: Number(cursor.key), to: Number(cursor.id) } : null;
    if (after && !Number.isSafeInteger(after.to)) throw invalidField('cursor', 'is not a cursor returned by this endpoint');
    let touching: number | null = null;
    if (query.ref !== undefined) {
      if (query.ref === sbom.root_ref) touching = 0;
      else {
        const found = await this.repo().componentByRef(id, query.ref);
        if (!found) throw invalidField('ref', 'matches no component of this SBOM');
        touching = Number(found.idx);
      }
    }
    const graph = await this.repo().graph(id);
    const edges = graph ? unpackEdges(graph.edges) : [];
    // Packed edges are sorted by (from, to): the cursor is the last pair seen.
    let start = 0;
    if (after) {
      let lo = 0;
      let hi = edges.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const [from, to] = edges[mid];
        if (from < after.from || (from === after.from && to <= after.to)) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const rows: Array<{ from_idx: number; to_idx: number }> = [];
    for (let i = start; i < edges.length && rows.length <= limit; i++) {
      const [from, to] = edges[i];
      if (touching === null || from === touching || to === touching) rows.push({ from_idx: from, to_idx: to });
    }
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const idxs = [...new Set(page.flatMap((e) => [e.from_idx, e.to_idx]).filter((i) => i > 0))];
    const named = new Map((await this.repo().componentsByIdx(id, idxs)).map((c) => [Number(c.idx), c]));
    const end = (idx: number) => {
      if (idx === 0) return { idx, ref: sbom.root_ref, name: sbom.root_name, version: sbom.root_version, purl: sbom.root_purl };
      const c = named.get(idx);
      return { idx, ref: c?.ref ?? c?.purl ?? null, name: c?.name ?? null, version: c?.version ?? null, purl: c?.purl ?? null };
    };
    const last = page[page.length - 1];
    return {
      items: page.map((e) => ({ from: end(Number(e.from_idx)), to: end(Number(e.to_idx)) })),
      nextCursor: more && last ? encodeCursor({ key: Number(last.from_idx), id: String(last.to_idx) }) : null,
    };
  }

  async diff(fromId: string, toId: string) {
    const [from, to] = await Promise.all([this.repo().findSbom(fromId), this.repo().findSbom(toId)]);
    if (!from) throw notFound('SBOM', fromId);
    if (!to) throw notFound('SBOM', toId);
    const [fromRows, toRows] = await Promise.all([this.repo().diffRows(fromId), this.repo().diffRows(toId)]);
    const side = (s: typeof from) => ({ id: s.id, productId: s.product_id, productName: s.product_name, release: s.release, uploadedAt: s.uploaded_at });
    return { from: side(from), to: side(to), ...diffSboms(fromRows, toRows) };
  }

  /**
   * "Who uses X": every current SBOM (of every product release, the estate included) containing a
   * package, directly or transitively, with the path from the product root. A purl or a name picks
   * the package through the (ecosystem, package name) or bare-name index; an exact version is
   * matched in SQL, a range is tested per candidate in the ecosystem's version order.
   */
  async usage(query: UsageQueryType): Promise<PageOf<Usage>> {
    const criteria = this.usageCriteria(query);
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor, 'integer');
    let after = cursor ? { sbomId: cursor.id, idx: Number(cursor.key) } : null;
    const { exact, test } = versionFilter(query.version);
    if (exact !== undefined) {
      if (criteria.version !== undefined && criteria.version !== exact) return { items: [], nextCursor: null };
      criteria.version = exact;
    }
    const batch = test ? Math.max(500, limit + 1) : limit + 1;
    const found: UsageRow[] = [];
    for (;;) {
      const rows = await this.repo().usage(criteria, after, batch);
      for (const row of rows) {
        if (test && !test(row.ecosystem, row.version)) continue;
        found.push(row);
        if (found.length > limit) break;
      }
      if (found.length > limit || rows.length < batch) break;
      const last = rows[rows.length - 1];
      after = { sbomId: last.sbom_id, idx: Number(last.idx) };
    }
    const page = found.slice(0, limit);
    const targets = page.map((r) => ({ sbomId: r.sbom_id, idx: Number(r.idx) }));
    const [hops, open] = await Promise.all([this.repo().paths(targets), this.repo().openCounts(targets)]);
    const paths = new Map<string, Array<{ hop: number; name: string; version: string | null; purl: string | null }>>();
    for (const hop of hops) {
      const key = `${hop.origin_sbom}#${Number(hop.origin_idx)}`;
      let list = paths.get(key);
      if (!list) paths.set(key, (list = []));
      list.push({ hop: Number(hop.hop), name: hop.name, version: hop.version, purl: hop.purl });
    }
    const items = page.map((row): Usage => {
      const chain = (paths.get(`${row.sbom_id}#${Number(row.idx)}`) ?? []).sort((a, b) => b.hop - a.hop);
      const root = row.root_name !== null ? { name: row.root_name, version: row.root_version, purl: row.root_purl } : { name: row.product_name, version: row.release, purl: null };
      return {
        purl: row.purl,
        name: row.name,
        version: row.version,
        ecosystem: row.ecosystem,
        packageName: row.package_name,
        vendor: { id: row.vendor_id, name: row.vendor_name, tier: row.vendor_tier, internal: Number(row.vendor_internal) === 1 },
        product: { id: row.product_id, name: row.product_name },
        release: row.release,
        sbomId: row.sbom_id,
        direct: Number(row.direct) === 1,
        depth: Number(row.depth),
        identifiedBy: row.purl ? 'purl' : 'name-heuristic',
        path: [root, ...chain.map(({ name, version, purl }) => ({ name, version, purl }))],
        openFindings: open.get(`${row.sbom_id}#${Number(row.idx)}`) ?? 0,
      };
    });
    const last = page[page.length - 1];
    return { items, nextCursor: found.length > limit && last ? encodeCursor({ key: Number(last.idx), id: last.sbom_id }) : null };
  }

  private usageCriteria(query: UsageQueryType): UsageCriteria {
    const base: UsageCriteria = { vendorId: query.vendorId, productId: query.productId === undefined ? undefined : resolveProductId(query.productId), direct: query.direct };
    if (query.purl !== undefined) {
      if (query.name !== undefined) throw invalidField('name', 'give either purl or name, not both');
      let purl;
      try {
        purl = parsePurl(query.purl.trim());
      } catch (error) {
        if (error instanceof PurlError) throw invalidField('purl', `is not a package URL: ${error.message}`);
        throw error;
      }
      const identity = identityOfPurl(purl);
      if (query.ecosystem !== undefined && canonicalEcosystem(query.ecosystem) !== identity.ecosystem) {
        throw invalidField('ecosystem', `does not match the purl's ecosystem ${identity.ecosystem}`);
      }
      return { ...base, ecosystem: identity.ecosystem, packageName: identity.packageName, version: purl.version ?? undefined };
    }
    if (query.name === undefined) throw invalidField('name', 'give a purl or a name to search for');
    const name = query.name.trim();
    const bare = bareName(name).toLowerCase();
    if (!bare) throw invalidField('name', 'is not a package name');
    const hasNamespace = bare.length !== name.length;
    if (query.ecosystem !== undefined) {
      const ecosystem = canonicalEcosystem(query.ecosystem);
      const packageName = normalizeName(ecosystem, name);
      return hasNamespace ? { ...base, ecosystem, packageName } : { ...base, ecosystem, packageName, nameKey: bare };
    }
    return hasNamespace ? { ...base, nameKey: bare, packageNameLower: name.toLowerCase() } : { ...base, nameKey: bare };
  }

  /** Runs fn in one transaction, turning a unique-constraint race into a 409. */
  private async write<T>(fn: (trx: Executor) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(fn);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('another SBOM for this product release was stored at the same moment; retry');
      throw error;
    }
  }
}
