import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, invalidField, notFound } from '../../platform/errors.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { SettingsDocument } from '../../platform/settings.js';
import { analyseSignature, normaliseSerial, type ArtifactSignature } from './authenticode.js';
import { hashFile, hashStream, type FileHashes } from './hashing.js';
import { fileSource } from './pe.js';
import { IntegrityRepository, type AlertRow, type ArtifactRow, type FileRow } from './integrity.repository.js';
import type {
  Alert,
  AlertType,
  Artifact,
  CheckResult,
  FileEntryType,
  FilesBodyType,
  IntegritySettings,
  ListAlertsQueryType,
  ListArtifactsQueryType,
  Provenance,
  RegisterBodyType,
  Timeline,
} from './integrity.schemas.js';

export const DEFAULT_INTEGRITY_SETTINGS: IntegritySettings = { quarantineHours: 72 };
const SETTINGS = new SettingsDocument('integrity', DEFAULT_INTEGRITY_SETTINGS, { action: 'integrity.settings.update' });

/** What a check or registration tells the correlation hooks about one artifact. */
export interface ArtifactEvent {
  artifactId: string;
  vendorId: string;
  productId: string;
  version: string;
  fileName: string;
  hashes: { md5: string | null; sha1: string | null; sha256: string; sha512: string | null };
}

/** An indicator an artifact's hashes match (modules/indicators), raised as an indicator-match alert. */
export interface IndicatorHit {
  indicatorId: string;
  detail: string;
}

/** Optional collaborators wired by the composition root once the modules that provide them exist. */
export interface IntegrityHooks {
  /** Correlates an artifact's hashes with known indicators (runs inside the check's transaction). */
  correlate?: (event: ArtifactEvent, trx: Executor, ctx: RequestContext) => Promise<IndicatorHit[]>;
  /** Raises (idempotently, by source) a risk for a new high-severity alert. */
  raiseRisk?: (alert: Alert, trx: Executor, ctx: RequestContext) => Promise<void>;
  /** Verifies a Sigstore bundle against the trusted root and the artifact's digests. */
  verifyProvenance?: (bundle: unknown, digests: { sha256: string; sha512: string | null }, field: string) => Promise<Provenance>;
}

export interface IntegrityLimits {
  /** Largest artifact a check accepts, in bytes. */
  maxArtifactBytes: number;
}

const SEVERITY: Record<AlertType, 'high' | 'medium'> = {
  'hash-mutation': 'high',
  'indicator-match': 'high',
  'signer-change': 'high',
  'signature-padding': 'high',
  'signature-invalid': 'high',
  'provenance-missing': 'medium',
  quarantine: 'medium',
};

interface AlertDraft {
  type: AlertType;
  detail: string;
  indicatorId?: string;
  evidence: Record<string, unknown>;
}

const short = (hash: string) => `${hash.slice(0, 16)}…`;

function presentAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    type: row.type as AlertType,
    severity: row.severity,
    detail: row.detail,
    ...(row.indicator_id ? { indicatorId: row.indicator_id } : {}),
    artifactId: row.artifact_id,
    productId: row.product_id,
    vendorId: row.vendor_id,
    version: row.version,
    evidence: JSON.parse(row.evidence) as unknown,
    createdAt: row.created_at,
  };
}

export function presentArtifact(row: ArtifactRow): Artifact {
  const hasSigner = row.signer_subject || row.signer_issuer || row.signer_serial || row.signer_thumbprint;
  return {
    id: row.id,
    productId: row.product_id,
    vendorId: row.vendor_id,
    version: row.version,
    fileName: row.file_name,
    size: row.size === null ? null : Number(row.size),
    md5: row.md5,
    sha1: row.sha1,
    sha256: row.sha256,
    sha512: row.sha512,
    source: row.source,
    signatureStatus: row.signature_status,
    signer: hasSigner ? { subject: row.signer_subject, issuer: row.signer_issuer, serial: row.signer_serial, thumbprint: row.signer_thumbprint } : null,
    signingTime: row.signing_time,
    signature: row.signature ? (JSON.parse(row.signature) as ArtifactSignature) : null,
    provenance: row.provenance ? (JSON.parse(row.provenance) as Provenance) : null,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    seenCount: Number(row.seen_count),
    createdBy: row.created_by,
  };
}

function presentFile(row: FileRow) {
  return { path: row.path, size: row.size === null ? null : Number(row.size), md5: row.md5, sha1: row.sha1, sha256: row.sha256, sha512: row.sha512, source: row.source };
}

const lower = (hex: string | undefined) => (hex === undefined ? null : hex.toLowerCase());
const thumb = (hex: string | undefined) => (hex === undefined ? null : hex.replaceAll(':', '').toLowerCase());

/**
 * The release and artifact registry: what vendors published (registered artifacts: hashes, signer,
 * provenance, inner files) and what was seen (observed artifacts, from checks), and the alerts a
 * check raises by comparing the two and the product's history.
 */
export class IntegrityService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly limits: IntegrityLimits,
    private readonly hooks: IntegrityHooks = {},
  ) {}

  private repo(executor: Executor = this.db) {
    return new IntegrityRepository(executor);
  }

  async settings(): Promise<IntegritySettings> {
    return SETTINGS.read(this.db);
  }

  async updateSettings(settings: IntegritySettings, ctx: RequestContext): Promise<IntegritySettings> {
    return this.db.transaction().execute((trx) => SETTINGS.replace(trx, settings, ctx));
  }

  private async requireProduct(productId: string, executor: Executor = this.db) {
    const product = await this.repo(executor).product(productId);
    if (!product) throw notFound('product', productId);
    return product;
  }

  /**
   * Checks an artifact sent as a stream: hashed and copied to a private temporary file in one pass
   * (memory stays bounded), then analysed from that file, which is removed afterwards.
   */
  async checkStream(input: { productId: string; version: string; fileName: string }, body: Readable | AsyncIterable<Buffer>, ctx: RequestContext): Promise<CheckResult> {
    await this.requireProduct(input.productId);
    const dir = await mkdtemp(join(tmpdir(), 'thirdwatch-artifact-'));
    try {
      const path = join(dir, 'artifact');
      const hashes = await hashStream(body, { maxBytes: this.limits.maxArtifactBytes, copyTo: path });
      if (!hashes.size) throw invalidField('body', 'is empty: send the artifact\'s bytes as the request body');
      return await this.checkAt(input, path, hashes, ctx);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Checks an artifact on disk in place (the CLI). */
  async checkFile(input: { productId: string; version: string; fileName: string }, path: string, ctx: RequestContext): Promise<CheckResult> {
    await this.requireProduct(input.productId);
    return this.checkAt(input, path, await hashFile(path), ctx);
  }

  private async checkAt(input: { productId: string; version: string; fileName: string }, path: string, hashes: FileHashes, ctx: RequestContext): Promise<CheckResult> {
    const source = await fileSource(path);
    let signature: ArtifactSignature;
    try {
      signature = await analyseSignature(source, { streamed: hashes.authenticode });
    } finally {
      await source.close();
    }
    return this.recordObservation(input, hashes, signature, ctx);
  }

  /** Stores the observation and its alerts in one transaction (audited), then reports them. */
  private async recordObservation(input: { productId: string; version: string; fileName: string }, hashes: FileHashes, signature: ArtifactSignature, ctx: RequestContext): Promise<CheckResult> {
    const settings = await this.settings();
    const result = await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const product = await this.requireProduct(input.productId, trx);
      const now = new Date().toISOString();
      const signer = signature.signer;
      const signatureColumns = {
        signature_status: signature.status,
        signer_subject: signer?.subject ?? null,
        signer_issuer: signer?.issuer ?? null,
        signer_serial: signer?.serial ?? null,
        signer_thumbprint: signer?.thumbprint ?? null,
        signing_time: signature.signingTime,
        signature: JSON.stringify(signature),
      };
      const standing = await repo.hashStanding(input.productId, hashes.sha256);
      const inserted = await repo.insertArtifact({
        id: newId(),
        product_id: input.productId,
        vendor_id: product.vendor_id,
        version: input.version,
        file_name: input.fileName,
        size: hashes.size,
        md5: hashes.md5,
        sha1: hashes.sha1,
        sha256: hashes.sha256,
        sha512: hashes.sha512,
        source: 'observed',
        ...signatureColumns,
        provenance_status: 'none',
        provenance: null,
        sigstore_bundle: null,
        first_seen_at: now,
        last_seen_at: now,
        seen_count: 1,
        created_by: ctx.actor.name,
      });
      let row = (await repo.findArtifact(input.productId, input.version, input.fileName, hashes.sha256, 'observed'))!;
      if (!inserted) {
        await repo.updateArtifact(row.id, { ...signatureColumns, last_seen_at: now, seen_count: Number(row.seen_count) + 1 });
        row = (await repo.artifact(row.id))!;
      }
      const registeredMatch = (await repo.sameFile(input.productId, input.version, input.fileName)).find((a) => a.source === 'registered' && a.sha256 === hashes.sha256);
      const provenance = registeredMatch?.provenance ? (JSON.parse(registeredMatch.provenance) as Provenance) : null;
      const firstSeenAt = standing.firstSeenAt ?? row.first_seen_at;
      const quarantineUntil =
        !standing.registered && settings.quarantineHours > 0 ? new Date(Date.parse(firstSeenAt) + settings.quarantineHours * 3_600_000).toISOString() : null;
      const drafts = await this.evaluate(trx, row, signature, { provenance, quarantineUntil, now });
      const event: ArtifactEvent = {
        artifactId: row.id,
        vendorId: row.vendor_id,
        productId: row.product_id,
        version: row.version,
        fileName: row.file_name,
        hashes: { md5: row.md5, sha1: row.sha1, sha256: row.sha256, sha512: row.sha512 },
      };
      for (const hit of this.hooks.correlate ? await this.hooks.correlate(event, trx, ctx) : []) {
        drafts.push({ type: 'indicator-match', detail: hit.detail, indicatorId: hit.indicatorId, evidence: { sha256: row.sha256 } });
      }
      const alertRows = drafts.map((d): AlertRow => ({
        id: newId(),
        artifact_id: row.id,
        product_id: row.product_id,
        vendor_id: row.vendor_id,
        version: row.version,
        type: d.type,
        severity: SEVERITY[d.type],
        detail: d.detail,
        indicator_id: d.indicatorId ?? null,
        alert_key: d.indicatorId ? `${d.type}:${d.indicatorId}` : d.type,
        evidence: JSON.stringify(d.evidence),
        created_at: now,
      }));
      const fresh = await repo.insertAlerts(alertRows);
      await recordAudit(trx, ctx, {
        action: inserted ? 'artifact.observe' : 'artifact.reobserve',
        entityType: 'artifact',
        entityId: row.id,
        after: { productId: row.product_id, version: row.version, fileName: row.file_name, sha256: row.sha256, size: hashes.size, signature: signature.status, newAlerts: fresh.map((a) => a.type) },
      });
      for (const alert of fresh.filter((a) => a.severity === 'high')) if (this.hooks.raiseRisk) await this.hooks.raiseRisk(presentAlert(alert), trx, ctx);
      // The answer lists what holds now: this check's alerts, each as first raised.
      const stored = new Map((await repo.alertsOf([row.id])).map((a) => [a.alert_key, a]));
      const alerts = alertRows.map((a) => presentAlert(stored.get(a.alert_key) ?? a));
      const answer: CheckResult = {
        artifactId: row.id,
        productId: row.product_id,
        vendorId: row.vendor_id,
        version: row.version,
        fileName: row.file_name,
        size: hashes.size,
        md5: hashes.md5,
        sha1: hashes.sha1,
        sha256: hashes.sha256,
        sha512: hashes.sha512,
        signature,
        provenance,
        registered: Boolean(registeredMatch),
        firstSeenAt,
        seenCount: Number(row.seen_count),
        quarantineUntil: quarantineUntil && quarantineUntil > now ? quarantineUntil : null,
        alerts,
      };
      return answer;
    });
    return result;
  }

  /** The alerts an observed artifact raises against the registry and the product's history. */
  private async evaluate(
    trx: Executor,
    row: ArtifactRow,
    signature: ArtifactSignature,
    context: { provenance: Provenance | null; quarantineUntil: string | null; now: string },
  ): Promise<AlertDraft[]> {
    const repo = this.repo(trx);
    const drafts: AlertDraft[] = [];
    const same = await repo.sameFile(row.product_id, row.version, row.file_name);
    const registered = same.filter((a) => a.source === 'registered');
    const matchesRegistered = registered.some((a) => a.sha256 === row.sha256);
    const otherHashes = [...new Set(same.filter((a) => a.sha256 !== row.sha256 && (registered.length ? a.source === 'registered' : true)).map((a) => a.sha256))];
    if (!matchesRegistered && otherHashes.length) {
      drafts.push({
        type: 'hash-mutation',
        detail: `${row.file_name} of release ${row.version} was ${registered.length ? 'registered' : 'seen'} with SHA-256 ${otherHashes.map(short).join(', ')}; these bytes hash to ${short(row.sha256)}`,
        evidence: { expected: otherHashes, actual: row.sha256, registered: registered.length > 0 },
      });
    }

    if (signature.status === 'invalid') {
      drafts.push({ type: 'signature-invalid', detail: `the Authenticode signature does not hold: ${signature.problems.join('; ')}`, evidence: { signedDigest: signature.signedDigest, computedDigest: signature.computedDigest, signatureVerifies: signature.signatureVerifies } });
    }
    if (signature.padding.suspicious) {
      drafts.push({
        type: 'signature-padding',
        detail: `${signature.padding.bytes} bytes${signature.padding.nonZero ? ' (not all zero)' : ''} follow the PKCS#7 signature inside the Authenticode certificate table: data hidden where the signature does not cover it (CVE-2013-3900, the 3CX d3dcompiler_47.dll technique)`,
        evidence: { paddingBytes: signature.padding.bytes, nonZero: signature.padding.nonZero },
      });
    }

    const history = (await repo.productHistory(row.product_id)).filter((a) => a.id !== row.id && !(a.sha256 === row.sha256 && a.version === row.version && a.file_name === row.file_name));
    const expectedSigner = registered.find((a) => a.sha256 === row.sha256 && (a.signer_subject || a.signer_thumbprint)) ?? registered.find((a) => a.signer_subject || a.signer_thumbprint);
    const signer = signature.signer;
    if (signer && expectedSigner) {
      const subjectDiffers = expectedSigner.signer_subject !== null && expectedSigner.signer_subject !== signer.subject;
      const thumbprintDiffers = expectedSigner.signer_thumbprint !== null && ![signer.thumbprint, signer.thumbprintSha256].includes(expectedSigner.signer_thumbprint);
      const serialDiffers = expectedSigner.signer_serial !== null && normaliseSerial(expectedSigner.signer_serial) !== signer.serial;
      if (subjectDiffers || thumbprintDiffers || serialDiffers) {
        drafts.push({
          type: 'signer-change',
          detail: `signed by "${signer.subject}" (${signer.thumbprint}); the vendor registered ${expectedSigner.signer_subject ? `"${expectedSigner.signer_subject}"` : 'another certificate'}${expectedSigner.signer_thumbprint ? ` (${expectedSigner.signer_thumbprint})` : ''} for release ${expectedSigner.version}`,
          evidence: { signer, expected: { subject: expectedSigner.signer_subject, thumbprint: expectedSigner.signer_thumbprint, serial: expectedSigner.signer_serial } },
        });
      }
    } else if (signer) {
      const earlier = history.filter((a) => a.signer_subject && a.signature_status !== 'invalid');
      const subjects = [...new Set(earlier.map((a) => a.signer_subject!))];
      if (subjects.length && !subjects.includes(signer.subject)) {
        drafts.push({
          type: 'signer-change',
          detail: `signed by "${signer.subject}", a signer this product's artifacts never had before (earlier: ${subjects.map((s) => `"${s}"`).join(', ')})`,
          evidence: { signer, earlierSubjects: subjects },
        });
      }
    } else if (signature.status === 'unsigned') {
      const signedBefore = history.filter((a) => a.file_name === row.file_name && a.signer_subject);
      if (signedBefore.length) {
        drafts.push({
          type: 'signer-change',
          detail: `unsigned, while ${row.file_name} was signed by "${signedBefore[signedBefore.length - 1].signer_subject}" in release ${signedBefore[signedBefore.length - 1].version}`,
          evidence: { signer: null, earlierSubjects: [...new Set(signedBefore.map((a) => a.signer_subject))] },
        });
      }
    }

    if (!context.provenance) {
      const withProvenance = history.filter((a) => a.provenance_status === 'verified' && a.version !== row.version);
      if (withProvenance.length) {
        const versions = [...new Set(withProvenance.map((a) => a.version))];
        drafts.push({
          type: 'provenance-missing',
          detail: `no verified provenance for these bytes, while earlier releases had it (${versions.join(', ')})`,
          evidence: { earlierVersions: versions },
        });
      }
    }

    if (context.quarantineUntil && context.quarantineUntil > context.now) {
      drafts.push({
        type: 'quarantine',
        detail: `these bytes were never registered by the vendor and were first seen less than the quarantine window ago; hold them until ${context.quarantineUntil}`,
        evidence: { quarantineUntil: context.quarantineUntil },
      });
    }
    return drafts;
  }

  /** Registers an artifact as the vendor published it (expected hashes, signer, provenance, inner files). */
  async register(body: RegisterBodyType, ctx: RequestContext): Promise<Artifact> {
    const product = await this.requireProduct(body.productId);
    const sha256 = body.sha256.toLowerCase();
    const sha512 = lower(body.sha512);
    let provenance: Provenance | null = null;
    if (body.sigstoreBundle !== undefined) provenance = await this.verifyBundle(body.sigstoreBundle, { sha256, sha512 }, 'sigstoreBundle');
    const now = new Date().toISOString();
    const row: ArtifactRow = {
      id: newId(),
      product_id: body.productId,
      vendor_id: product.vendor_id,
      version: body.version,
      file_name: body.fileName,
      size: body.size ?? null,
      md5: lower(body.md5),
      sha1: lower(body.sha1),
      sha256,
      sha512,
      source: 'registered',
      signature_status: body.signer ? 'declared' : 'none',
      signer_subject: body.signer?.subject ?? null,
      signer_issuer: body.signer?.issuer ?? null,
      signer_serial: body.signer?.serial ? normaliseSerial(body.signer.serial.replaceAll(':', '')) : null,
      signer_thumbprint: thumb(body.signer?.thumbprint),
      signing_time: body.signingTime ? new Date(body.signingTime).toISOString() : null,
      signature: null,
      provenance_status: provenance ? 'verified' : 'none',
      provenance: provenance ? JSON.stringify(provenance) : null,
      sigstore_bundle: body.sigstoreBundle !== undefined ? JSON.stringify(body.sigstoreBundle) : null,
      first_seen_at: now,
      last_seen_at: now,
      seen_count: 0,
      created_by: ctx.actor.name,
    };
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      if (!(await repo.insertArtifact(row))) throw conflict(`${body.fileName} of release ${body.version} is already registered with SHA-256 ${sha256}`);
      const files = await this.innerFiles(trx, row, body);
      if (files) await repo.replaceFiles(row.id, files);
      await recordAudit(trx, ctx, {
        action: 'artifact.register',
        entityType: 'artifact',
        entityId: row.id,
        after: { ...presentArtifact(row), files: files?.length ?? 0 },
      });
      const event: ArtifactEvent = { artifactId: row.id, vendorId: row.vendor_id, productId: row.product_id, version: row.version, fileName: row.file_name, hashes: { md5: row.md5, sha1: row.sha1, sha256: row.sha256, sha512: row.sha512 } };
      // Registered hashes are correlated too (a feed may already name them); the sightings are the indicators module's to keep.
      if (this.hooks.correlate) await this.hooks.correlate(event, trx, ctx);
    });
    return presentArtifact(row);
  }

  private async verifyBundle(bundle: unknown, digests: { sha256: string; sha512: string | null }, field: string): Promise<Provenance> {
    if (!this.hooks.verifyProvenance) throw invalidField(field, 'Sigstore verification is not configured on this server');
    return this.hooks.verifyProvenance(bundle, digests, field);
  }

  /** The inner-file rows a registration or a files request gives, or null when it gives none. */
  private async innerFiles(trx: Executor, artifact: ArtifactRow, body: FilesBodyType): Promise<FileRow[] | null> {
    if (body.files && body.fromSbom) throw invalidField('fromSbom', 'give either files or fromSbom, not both');
    const row = (entry: FileEntryType, source: 'manifest' | 'sbom'): FileRow => ({
      id: newId(),
      artifact_id: artifact.id,
      product_id: artifact.product_id,
      vendor_id: artifact.vendor_id,
      version: artifact.version,
      path: entry.path,
      size: entry.size ?? null,
      md5: lower(entry.md5),
      sha1: lower(entry.sha1),
      sha256: lower(entry.sha256),
      sha512: lower(entry.sha512),
      source,
    });
    if (body.files) {
      const seen = new Set<string>();
      body.files.forEach((f, i) => {
        if (seen.has(f.path)) throw invalidField(`/files/${i}/path`, `"${f.path}" is listed twice`);
        seen.add(f.path);
        if (!f.md5 && !f.sha1 && !f.sha256 && !f.sha512) throw invalidField(`/files/${i}`, 'gives no hash');
      });
      return body.files.map((f) => row(f, 'manifest'));
    }
    if (!body.fromSbom) return null;
    const components = await this.repo(trx).sbomFileHashes(artifact.product_id, artifact.version);
    if (!components.length) throw invalidField('fromSbom', `release ${artifact.version} has no current SBOM with component hashes`);
    const byPath = new Map<string, FileRow>();
    for (const c of components) {
      const hashes = JSON.parse(c.hashes!) as Record<string, string>;
      const pick = (alg: string) => {
        const value = hashes[alg];
        return value && /^[0-9a-fA-F]+$/.test(value) ? value.toLowerCase() : undefined;
      };
      const path = c.purl ?? `${c.name}${c.version ? `@${c.version}` : ''}`;
      byPath.set(path, row({ path, md5: pick('MD5'), sha1: pick('SHA-1'), sha256: pick('SHA-256'), sha512: pick('SHA-512') }, 'sbom'));
    }
    return [...byPath.values()].filter((f) => f.md5 || f.sha1 || f.sha256 || f.sha512);
  }

  /** Replaces a registered artifact's inner files (a manifest, or the hashes of the release SBOM). */
  async setFiles(id: string, body: FilesBodyType, ctx: RequestContext) {
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const artifact = await repo.artifact(id);
      if (!artifact) throw notFound('artifact', id);
      const files = await this.innerFiles(trx, artifact, body);
      if (!files) throw invalidField('/', 'give files (a manifest) or fromSbom: true');
      const before = (await repo.files(id)).length;
      await repo.replaceFiles(id, files);
      await recordAudit(trx, ctx, { action: 'artifact.files.replace', entityType: 'artifact', entityId: id, before: { files: before }, after: { files: files.length, source: body.fromSbom ? 'sbom' : 'manifest' } });
      return { items: files.map(presentFile) };
    });
  }

  /** Attaches a Sigstore bundle to an artifact once it verifies against the trusted root and names the artifact's digest. */
  async attachProvenance(id: string, bundle: unknown, ctx: RequestContext): Promise<Artifact> {
    const artifact = await this.repo().artifact(id);
    if (!artifact) throw notFound('artifact', id);
    const provenance = await this.verifyBundle(bundle, { sha256: artifact.sha256, sha512: artifact.sha512 }, '/');
    return this.db.transaction().execute(async (trx) => {
      const changes = { provenance_status: 'verified', provenance: JSON.stringify(provenance), sigstore_bundle: JSON.stringify(bundle) };
      await this.repo(trx).updateArtifact(id, changes);
      await recordAudit(trx, ctx, { action: 'artifact.provenance.attach', entityType: 'artifact', entityId: id, before: { provenance: artifact.provenance_status }, after: { provenance } });
      return presentArtifact({ ...artifact, ...changes });
    });
  }

  async get(id: string) {
    const repo = this.repo();
    const artifact = await repo.artifact(id);
    if (!artifact) throw notFound('artifact', id);
    return { ...presentArtifact(artifact), files: (await repo.files(id)).map(presentFile), alerts: (await repo.alertsOf([id])).map(presentAlert) };
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const artifact = await repo.artifact(id);
      if (!artifact) throw notFound('artifact', id);
      await repo.deleteArtifact(id);
      await recordAudit(trx, ctx, { action: 'artifact.delete', entityType: 'artifact', entityId: id, before: presentArtifact(artifact) });
    });
  }

  async list(query: ListArtifactsQueryType): Promise<PageOf<Artifact>> {
    const limit = query.limit ?? 50;
    const rows = await this.repo().listArtifacts(query, decodeCursor(query.cursor, 'string'), limit);
    return toPage(rows, limit, (r) => r.first_seen_at, presentArtifact);
  }

  async alerts(query: ListAlertsQueryType): Promise<PageOf<Alert>> {
    const limit = query.limit ?? 50;
    const rows = await this.repo().listAlerts(query, decodeCursor(query.cursor, 'string'), limit);
    return toPage(rows, limit, (r) => r.created_at, presentAlert);
  }

  /** A product's integrity timeline: releases in the order first seen, their artifacts and alerts, and every signer. */
  async timeline(productId: string): Promise<Timeline> {
    const repo = this.repo();
    const product = await this.requireProduct(productId);
    const artifacts = await repo.productArtifacts(productId);
    const alerts = (await repo.productAlerts(productId)).map(presentAlert);
    const releases = new Map<string, Timeline['releases'][number]>();
    for (const a of artifacts) {
      const release = releases.get(a.version) ?? { version: a.version, firstSeenAt: a.first_seen_at, artifacts: [], alerts: [] };
      release.artifacts.push(presentArtifact(a));
      releases.set(a.version, release);
    }
    for (const alert of alerts) releases.get(alert.version)?.alerts.push(alert);
    const signers = new Map<string, Timeline['signers'][number]>();
    for (const a of artifacts) {
      if (!a.signer_subject) continue;
      const s = signers.get(a.signer_subject) ?? { subject: a.signer_subject, issuer: a.signer_issuer, thumbprints: [], versions: [], firstSeenAt: a.first_seen_at, lastSeenAt: a.last_seen_at };
      if (a.signer_thumbprint && !s.thumbprints.includes(a.signer_thumbprint)) s.thumbprints.push(a.signer_thumbprint);
      if (!s.versions.includes(a.version)) s.versions.push(a.version);
      if (a.last_seen_at > s.lastSeenAt) s.lastSeenAt = a.last_seen_at;
      signers.set(a.signer_subject, s);
    }
    return {
      product: { id: product.id, name: product.name, vendorId: product.vendor_id, vendorName: product.vendor_name },
      releases: [...releases.values()].sort((a, b) => (a.firstSeenAt < b.firstSeenAt ? -1 : a.firstSeenAt > b.firstSeenAt ? 1 : 0)),
      signers: [...signers.values()],
      quarantineHours: (await this.settings()).quarantineHours,
    };
  }
}
