import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { openDatabase, type Database } from '../platform/db/database.js';
import { migrateToLatest } from '../platform/db/migrate.js';
import { systemContext } from '../platform/context.js';
import { createHttpServer, type App, type RouteInfo } from '../platform/http/server.js';
import { JobQueue } from '../platform/jobs/queue.js';
import { Worker, type ScheduleDefinition } from '../platform/jobs/worker.js';
import { JobLauncher } from '../platform/jobs/launcher.js';
import { AccessService } from '../modules/access/access.service.js';
import { accessRoutes } from '../modules/access/access.routes.js';
import { AuditService } from '../modules/audit/audit.service.js';
import { auditRoutes } from '../modules/audit/audit.routes.js';
import { systemRoutes } from '../modules/system/system.routes.js';
import { VendorService } from '../modules/vendors/vendors.service.js';
import { VendorCsv } from '../modules/vendors/vendors-csv.js';
import { vendorRoutes } from '../modules/vendors/vendors.routes.js';
import { SbomService, UPLOAD_JOB, type UploadJobPayload } from '../modules/sboms/sboms.service.js';
import { sbomRoutes } from '../modules/sboms/sboms.routes.js';
import { TechnologyService } from '../modules/technologies/technologies.service.js';
import { technologyRoutes } from '../modules/technologies/technologies.routes.js';
import { Matcher } from '../modules/matching/matching.service.js';
import { sbomMatching } from '../modules/matching/matching.hook.js';
import { AdvisoryService } from '../modules/advisories/advisories.service.js';
import { FEED_IMPORT_JOB, FeedService, FEED_SYNC_SCHEDULE, type FeedImportJobPayload } from '../modules/advisories/feeds.service.js';
import { NVD_SYNC_JOB, NvdSyncService } from '../modules/advisories/nvd-sync.service.js';
import { nvdSyncRoutes } from '../modules/advisories/nvd-sync.routes.js';
import { advisoryRoutes } from '../modules/advisories/advisories.routes.js';
import { FindingsService } from '../modules/findings/findings.service.js';
import { VexService } from '../modules/findings/vex.service.js';
import { findingRoutes } from '../modules/findings/findings.routes.js';
import { cpeRoutes } from '../modules/cpes/cpes.routes.js';
import { CpeService } from '../modules/cpes/cpes.service.js';
import { JobService } from '../modules/jobs/jobs.service.js';
import { RiskService } from '../modules/risks/risks.service.js';
import { riskRoutes } from '../modules/risks/risks.routes.js';
import { IntegrityService } from '../modules/integrity/integrity.service.js';
import { integrityRoutes } from '../modules/integrity/integrity.routes.js';
import { integrityRiskHook } from '../modules/integrity/integrity.risks.js';
import { FindingRisks } from '../modules/risks/risks.findings.js';
import { MentionService } from '../modules/mentions/mentions.service.js';
import { mentionRoutes } from '../modules/mentions/mentions.routes.js';
import { loadTrustMaterial, sigstoreHook } from '../modules/integrity/sigstore.js';
import { CorrelationService } from '../modules/indicators/correlation.service.js';
import { IndicatorService } from '../modules/indicators/indicators.service.js';
import { indicatorRoutes } from '../modules/indicators/indicators.routes.js';
import { integrityCorrelation, SightingRisks } from '../modules/indicators/sightings.hooks.js';
import { TaxiiService, TAXII_SCHEDULE } from '../modules/indicators/taxii.service.js';
import { jobRoutes } from '../modules/jobs/jobs.routes.js';
import { SearchService } from '../modules/search/search.service.js';
import { SEARCH_INDEX_JOB, type SearchIndexJobPayload } from '../modules/search/search.index.js';
import { searchRoutes } from '../modules/search/search.routes.js';
import { RECOMPUTE_JOB, RECONCILE_FINDING_COUNTS_JOB, ResilienceService, SCHEDULE_REVIEWS_JOB } from '../modules/resilience/resilience.service.js';
import { resilienceRoutes } from '../modules/resilience/resilience.routes.js';
import { PortalService, PRUNE_BLOBS_JOB, PRUNE_BLOBS_SCHEDULE, REMINDER_JOB, REMINDER_SCHEDULE } from '../modules/portal/portal.service.js';
import { portalRoutes } from '../modules/portal/portal.routes.js';
import { PortalIncidents } from '../modules/portal/portal.incidents.js';
import { portalIncidentRoutes } from '../modules/portal/portal.incidents.routes.js';
import { Mailer, smtpSettingsFromUrl } from '../platform/mail.js';
import { QuestionnaireService } from '../modules/questionnaires/questionnaires.service.js';
import { questionnaireRoutes } from '../modules/questionnaires/questionnaires.routes.js';
import { ControlService } from '../modules/controls/controls.service.js';
import { controlRoutes } from '../modules/controls/controls.routes.js';
import { OscalService } from '../modules/oscal/oscal.service.js';
import { oscalRoutes } from '../modules/oscal/oscal.routes.js';
import { AssessmentService } from '../modules/assessments/assessments.service.js';
import { assessmentRoutes } from '../modules/assessments/assessments.routes.js';
import { DrillService, DRILL_SCHEDULE, RUN_DUE_JOB } from '../modules/drills/drills.service.js';
import { drillRoutes } from '../modules/drills/drills.routes.js';
import { drillDeps } from '../modules/drills/drills.wiring.js';
import { PlaybookService, STEP_JOB } from '../modules/playbooks/playbooks.service.js';
import { playbookRoutes } from '../modules/playbooks/playbooks.routes.js';
import type { StepJobPayload } from '../modules/playbooks/playbooks.engine.js';
import { IncidentService } from '../modules/incidents/incidents.service.js';
import { IncidentCorrelation } from '../modules/incidents/incidents.correlation.js';
import { incidentRoutes } from '../modules/incidents/incidents.routes.js';
import { INVITE_JOB, questionnaireEffect, runInviteJob } from '../modules/playbooks/playbooks.wiring.js';
import { incidentEffects } from '../modules/playbooks/playbooks.incidents.js';
import type { Team } from '../modules/incidents/incidents.schemas.js';
import { EgressBlocklistService, EXPIRE_JOB, EXPIRE_SCHEDULE } from '../modules/egress/blocklist.service.js';
import { egressBlocklistRoutes } from '../modules/egress/blocklist.routes.js';
import { egressIngestRoutes } from '../modules/egress/ingest.routes.js';
import { bodyScanner, EgressIngestService, PRUNE_JOB as EGRESS_PRUNE_JOB, PRUNE_SCHEDULE as EGRESS_PRUNE_SCHEDULE } from '../modules/egress/ingest.service.js';
import { EgressAlertService, PRUNE_JOB as EGRESS_ALERT_PRUNE_JOB, PRUNE_SCHEDULE as EGRESS_ALERT_PRUNE_SCHEDULE } from '../modules/egress/alerts.service.js';
import { egressAlertRoutes } from '../modules/egress/alerts.routes.js';
import { PiiService } from '../modules/pii/pii.service.js';
import { ScanThreads } from '../modules/pii/pii.threads.js';
import { piiRoutes } from '../modules/pii/pii.routes.js';
import { EgressAttribution } from '../modules/egress/attribution.js';
import { FlowService } from '../modules/egress/flows.service.js';
import { DestinationService } from '../modules/egress/destinations.service.js';
import { egressFlowRoutes } from '../modules/egress/flows.routes.js';
import { PolicyStore } from '../modules/icap/icap.policy.js';
import { IcapPolicyService } from '../modules/icap/icap.service.js';
import { icapRoutes } from '../modules/icap/icap.routes.js';
import { IcapRuntime } from '../modules/icap/icap.runtime.js';
import { DELIVER_JOB, NotificationService, type DeliverJobPayload } from '../modules/notifications/notifications.service.js';
import { notificationRoutes } from '../modules/notifications/notifications.routes.js';
import { CLOCK_BREACH_JOB, CLOCK_BREACH_SCHEDULE, ClockService } from '../modules/incidents/incidents.clocks.service.js';
import { IncidentMetrics } from '../modules/incidents/incidents.metrics.js';
import { incidentClockRoutes } from '../modules/incidents/incidents.clocks.routes.js';
import type { Config } from './config.js';
import { VERSION } from './version.js';

export const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Recurring work every deployment runs (each fires once across all replicas). */
export const SCHEDULES: ScheduleDefinition[] = [
  { name: 'vendor-review-check', cron: '0 * * * *', jobKind: 'vendors.flag-overdue-reviews' },
  FEED_SYNC_SCHEDULE,
  TAXII_SCHEDULE,
  // Events are verifiable once sealed: every minute (the finest schedule), and on demand before verification.
  { name: 'audit-seal', cron: '* * * * *', jobKind: 'audit.seal' },
  { name: 'jobs-prune', cron: '30 3 * * *', jobKind: 'jobs.prune' },
  { name: 'risk-acceptance-expiry', cron: '*/15 * * * *', jobKind: 'risks.expire-acceptances' },
  { name: 'risk-snapshot', cron: '55 23 * * *', jobKind: 'risks.snapshot' },
  { name: 'risk-findings-sync', cron: '*/5 * * * *', jobKind: 'risks.sync-findings' },
  // A draft assessment for every vendor whose review falls due within the lead time (the assessment-cadence setting).
  { name: 'assessment-cadence', cron: '20 * * * *', jobKind: SCHEDULE_REVIEWS_JOB },
  // Residual risk's stored finding counts are kept current by triggers; a daily recount catches a write that slipped past them.
  { name: 'finding-counts-reconcile', cron: '40 4 * * *', jobKind: RECONCILE_FINDING_COUNTS_JOB },
  REMINDER_SCHEDULE,
  PRUNE_BLOBS_SCHEDULE,
  DRILL_SCHEDULE,
  EXPIRE_SCHEDULE,
  CLOCK_BREACH_SCHEDULE,
  EGRESS_PRUNE_SCHEDULE,
  EGRESS_ALERT_PRUNE_SCHEDULE,
];

export interface Services {
  access: AccessService;
  audit: AuditService;
  vendors: VendorService;
  vendorCsv: VendorCsv;
  sboms: SbomService;
  technologies: TechnologyService;
  matcher: Matcher;
  cpes: CpeService;
  advisories: AdvisoryService;
  vex: VexService;
  feeds: FeedService;
  nvdSync: NvdSyncService;
  findings: FindingsService;
  risks: RiskService;
  findingRisks: FindingRisks;
  mentions: MentionService;
  jobs: JobQueue;
  jobViews: JobService;
  integrity: IntegrityService;
  correlation: CorrelationService;
  indicators: IndicatorService;
  sightingRisks: SightingRisks;
  taxii: TaxiiService;
  search: SearchService;
  resilience: ResilienceService;
  mailer: Mailer;
  portal: PortalService;
  questionnaires: QuestionnaireService;
  controls: ControlService;
  oscal: OscalService;
  assessments: AssessmentService;
  drills: DrillService;
  playbooks: PlaybookService;
  incidents: IncidentService;
  incidentCorrelation: IncidentCorrelation;
  blocklist: EgressBlocklistService;
  egressIngest: EgressIngestService;
  egressAlerts: EgressAlertService;
  pii: PiiService;
  attribution: EgressAttribution;
  flows: FlowService;
  destinations: DestinationService;
  icapPolicies: PolicyStore;
  icap: IcapPolicyService;
  notifications: NotificationService;
  clocks: ClockService;
  incidentMetrics: IncidentMetrics;
  portalIncidents: PortalIncidents;
}

export interface Thirdwatch {
  config: Config;
  database: Database;
  services: Services;
  logger: Logger;
  /** Starts imports and uploads as jobs, queued or run in this process (see JobLauncher). */
  launcher: JobLauncher;
  close(): Promise<void>;
}

/** Opens storage, applies migrations and wires services: everything a command or a server needs. */
export async function openThirdwatch(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<Thirdwatch> {
  const database = openDatabase(config.databaseUrl);
  try {
    if (options.migrate ?? true) {
      const { applied } = await migrateToLatest(database.db);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  const jobs = new JobQueue(database.db);
  const vendors = new VendorService(database.db, jobs);
  const matcher = new Matcher(database.db);
  const advisories = new AdvisoryService(database.db, matcher);
  const vex = new VexService(database.db, matcher);
  const risks = new RiskService(database.db);
  const correlation = new CorrelationService(database.db);
  const sightingRisks = new SightingRisks(database.db, risks);
  correlation.onSightings(sightingRisks.hook);
  // After the risk rule: an incident correlation opens links the risk that rule raised.
  // A vendor's reported indicators become indicators (IndicatorService is made below; called later).
  const incidents = new IncidentService(database.db, { maxFileBytes: config.maxEvidenceBytes, importIndicators: (outcome, source, ctx) => indicators.importOutcome(outcome, source, ctx) });
  const incidentCorrelation = new IncidentCorrelation(database.db, incidents);
  correlation.onSightings(incidentCorrelation.hook);
  const clocks = new ClockService(database.db, (trx, incidentId, event, ctx) => incidents.addEvent(trx, incidentId, event, ctx));
  incidents.onEvent(clocks.onIncidentEvent);
  vendors.onDomainsChanged((trx, vendorIds, ctx) => correlation.onVendors(trx, vendorIds, ctx));
  const indicators = new IndicatorService(database.db, correlation);
  const mentions = new MentionService(database.db, risks);
  const sboms = new SbomService(database.db, { maxUploadBytes: config.maxUploadBytes }, sbomMatching(matcher), jobs, (trx, sbomId, ctx) => correlation.onSbom(trx, sbomId, ctx));
  const mailer = new Mailer(database.db, smtpSettingsFromUrl(config.smtpUrl));
  const controls = new ControlService(database.db);
  const questionnaires = new QuestionnaireService(database.db, controls);
  // The portal and the assessments need each other: the portal answers through the assessments, whose SBOM answers go through the portal's files.
  const assessments = new AssessmentService(database.db, questionnaires);
  const resilience = new ResilienceService(database.db, { jobs, risks, vendors, assessments, templates: questionnaires });
  vendors.useResidualRisk((list) => resilience.residualRisks(list));
  const portal = new PortalService(database.db, {
    mailer,
    vendors,
    sboms,
    questionnaires,
    assessments,
    logger,
    publicUrl: config.publicUrl,
    maxFileBytes: config.maxEvidenceBytes,
    linkedServices: (vendorId) => resilience.servicesOfVendor(vendorId),
  });
  assessments.useHooks({
    settled: (trx, vendorId) => resilience.recomputeLater(trx, [vendorId]),
    sbomCheck: (vendorId, value) => portal.sbomCheck(vendorId, value),
    sbomAnswer: (vendorId, value, ctx) => portal.sbomAnswer(vendorId, value, ctx),
    evidenceFiles: (executor, vendorId, fileIds) => portal.evidenceFiles(executor, vendorId, fileIds),
  });
  const playbooks = new PlaybookService(database.db, jobs, logger.child({ module: 'playbooks' }));
  playbooks.useTemplateKeys(async () => new Set((await questionnaires.list()).flatMap((t) => (t.key ? [t.key] : []))));
  const blocklist = new EgressBlocklistService(database.db);
  // Flows and alerts register their hooks on it (they run in each batch's transaction).
  // Bodies in JSON lines are scanned with the organisation's custom patterns too.
  const pii = new PiiService(database.db, {
    maxScanBytes: config.piiMaxScanBytes,
    threads: config.piiScanThreads > 0 ? new ScanThreads({ threads: config.piiScanThreads, logger: logger.child({ module: 'pii' }) }) : null,
  });
  const egressIngest = new EgressIngestService(database.db, { retentionDays: config.egressRetentionDays, scanBody: bodyScanner((body, headers) => pii.scanBody(body, headers)) });
  const icapPolicies = new PolicyStore(database.db);
  const attribution = new EgressAttribution(database.db);
  vendors.onDomainsChanged((trx, vendorIds) => attribution.onVendorDomains(trx, vendorIds));
  const flows = new FlowService(database.db, attribution);
  egressIngest.onIngested((trx, events) => flows.aggregate(trx, events));
  vendors.onDataCategoriesChanged((trx, vendorIds) => flows.resanction(trx, vendorIds));
  // After the flows hook: alerts judge the batch with the flows already counted.
  const egressAlerts = new EgressAlertService(database.db, { correlation, risks });
  egressIngest.onIngested(egressAlerts.ingestHook(attribution));
  const drills = new DrillService(database.db);
  playbooks.engine.useEffects({
    ...questionnaireEffect({ assessments, templates: questionnaires, jobs }),
    ...incidentEffects(incidents, { drillIndicators: (trx, drillId) => drills.indicatorsOf(drillId, trx) }),
    block: (trx, input, ctx) => blocklist.block(trx, input, ctx),
  });
  // Incidents start matching playbooks, answer approval/input steps and wake wait steps (in the writer's transaction).
  incidents.onEvent((trx, event, ctx) => playbooks.onIncidentEvent(trx, event, ctx));
  const services: Services = {
    access: new AccessService(database.db, config, portal),
    audit: new AuditService(database.db),
    vendors,
    vendorCsv: new VendorCsv(database.db, vendors),
    sboms,
    technologies: new TechnologyService(database.db),
    matcher,
    cpes: new CpeService(database.db, matcher),
    advisories,
    vex,
    feeds: new FeedService(database.db, advisories, vex, jobs, { maxUploadBytes: config.maxUploadBytes }, logger, { allowPrivate: config.outboundAllowPrivate }, [indicators, mentions]),
    nvdSync: new NvdSyncService(database.db, advisories, jobs, logger, { allowPrivate: config.outboundAllowPrivate }),
    findings: new FindingsService(database.db, matcher, jobs, VERSION),
    risks,
    findingRisks: new FindingRisks(database.db, risks),
    mentions,
    jobs,
    jobViews: new JobService(jobs),
    integrity: new IntegrityService(database.db, { maxArtifactBytes: config.maxArtifactBytes }, { raiseRisk: integrityRiskHook(risks), verifyProvenance: sigstoreHook(loadTrustMaterial(config.sigstoreTrustedRoot)), correlate: integrityCorrelation(correlation) }),
    correlation,
    indicators,
    sightingRisks,
    taxii: new TaxiiService(database.db, indicators, jobs, logger, { allowPrivate: config.outboundAllowPrivate }),
    search: new SearchService(database.db),
    resilience,
    mailer,
    portal,
    questionnaires,
    assessments,
    controls,
    oscal: new OscalService(assessments),
    drills,
    playbooks,
    incidents,
    incidentCorrelation,
    blocklist,
    egressIngest,
    egressAlerts,
    pii,
    attribution,
    flows,
    destinations: new DestinationService(database.db, { attribution, flows, blocklist }),
    icapPolicies,
    icap: new IcapPolicyService(database.db, icapPolicies, config.icapFail),
    notifications: new NotificationService(database.db, {
      jobs,
      mailer,
      logger,
      policy: { allowPrivate: config.allowPrivateWebhookTargets || config.outboundAllowPrivate },
      publicUrl: config.publicUrl,
    }),
    clocks,
    incidentMetrics: new IncidentMetrics(database.db),
    portalIncidents: new PortalIncidents(incidents),
  };
  // Notifications are built with the services; the playbook effects are complete from here on.
  playbooks.engine.useEffects({
    notify: (trx, msg, ctx) => services.notifications.enqueue(trx, { ...msg, audience: msg.audience as Team | undefined }, ctx),
    webhook: (trx, msg, ctx) => services.notifications.webhook(trx, msg, ctx),
  });
  playbooks.engine.assertWired();
  // A breached clock is escalated through the notification channels, in the transaction that marks it.
  clocks.useEscalation((trx, msg, ctx) => services.notifications.enqueue(trx, msg, ctx));
  drills.useDeps(drillDeps({ incidents, playbooks, blocklist, notifications: services.notifications }));
  try {
    // A fresh database gets the shipped questionnaire templates; a release that changed one adds a version.
    const shipped = await services.questionnaires.syncShipped(systemContext('thirdwatch'));
    if (shipped.created.length || shipped.updated.length) logger.info(shipped, 'shipped questionnaire templates applied');
    // Likewise the shipped playbooks (src/modules/playbooks/shipped).
    const shippedPlaybooks = await services.playbooks.syncShipped(systemContext('thirdwatch'));
    if (shippedPlaybooks.created.length || shippedPlaybooks.updated.length) logger.info(shippedPlaybooks, 'shipped playbooks applied');
  } catch (error) {
    await database.close();
    throw error;
  }
  const close = async () => {
    await pii.close();
    await database.close();
  };
  const tw = { config, database, services, logger, close } as Thirdwatch;
  tw.launcher = new JobLauncher(jobs, createWorker(tw));
  return tw;
}

/**
 * The ICAP service of this instance (`thirdwatch serve` and `thirdwatch icap` start one): decisions
 * by the personal-data scan, the destination's attribution and the threat set, stored as egress
 * events through the ingestion service. Call start() on it.
 */
export function createIcap(tw: Thirdwatch, options: { port?: number; host?: string; threatRefreshMs?: number; eventIntervalMs?: number } = {}): IcapRuntime {
  const { services, config } = tw;
  const runtime = new IcapRuntime(
    {
      db: tw.database.db,
      policies: services.icapPolicies,
      attribution: services.attribution,
      // The ICAP server builds each body for its one decision: a scan thread may take it uncopied.
      // The decision reads the detections only.
      scanBody: (body, headers) => services.pii.scanBody(body, headers, { detectionsOnly: true }),
      ingest: (events, ctx) => services.egressIngest.ingest(events, ctx),
      failMode: config.icapFail,
      logger: tw.logger,
    },
    { port: options.port ?? config.icapPort, host: options.host ?? config.icapHost, scanBytes: config.piiMaxScanBytes, threatRefreshMs: options.threatRefreshMs, eventIntervalMs: options.eventIntervalMs },
  );
  services.icap.useRuntime(runtime);
  services.pii.startThreads();
  return runtime;
}

export function createWorker(tw: Thirdwatch, options: { pollMs?: number } = {}): Worker {
  const { vendors, vendorCsv, feeds, findings, audit } = tw.services;
  return new Worker(tw.services.jobs, tw.logger.child({ role: 'worker' }), options)
    .handle('vendors.import', (payload: { dryRun: boolean }, _job, run) => vendorCsv.runImport(payload, run))
    .handle('vendors.flag-overdue-reviews', () => vendors.flagOverdueReviews(systemContext('review scheduler')))
    .handle('vendors.rescore', async () => ({ rescored: await vendors.rescoreAll() }))
    .handle(UPLOAD_JOB, (payload: UploadJobPayload, _job, run) => tw.services.sboms.runUploadJob(payload, run))
    .handle(SEARCH_INDEX_JOB, (payload: SearchIndexJobPayload, _job, run) => tw.services.search.indexSbom(payload, run))
    .handle('feeds.sync', async () => ({ enqueued: [...(await feeds.syncDue()).enqueued, ...(await tw.services.nvdSync.syncDue()).enqueued] }))
    .handle(NVD_SYNC_JOB, (_payload, _job, run) => tw.services.nvdSync.sync(systemContext('NVD sync'), (done) => run.progress({ phase: 'importing', done, total: null })))
    .handle('taxii.poll', () => tw.services.taxii.pollDue())
    .handle('taxii.fetch', (payload: { name: string }) => tw.services.taxii.poll(payload.name, systemContext('taxii poll')))
    .handle('feeds.fetch', (payload: { name: string }, _job, run) => feeds.fetchAndImport(payload.name, systemContext('feed sync'), (done, total) => run.progress({ phase: 'importing', done, total })))
    .handle(FEED_IMPORT_JOB, (payload: FeedImportJobPayload, _job, run) => feeds.runImportJob(payload, run))
    .handle('findings.reprioritise', async () => ({ changed: await findings.reprioritiseAll() }))
    .handle('audit.seal', () => audit.seal())
    .handle('jobs.prune', async () => ({ deleted: await tw.services.jobs.prune() }))
    .handle('risks.expire-acceptances', () => tw.services.risks.expireAcceptances(systemContext('risk acceptance expiry')))
    .handle('risks.snapshot', () => tw.services.risks.snapshot())
    .handle('risks.sync-findings', () => tw.services.findingRisks.sync(systemContext('findings → risks')))
    .handle(RECOMPUTE_JOB, (payload: { vendorIds: string[] }) => tw.services.resilience.recompute(payload.vendorIds, systemContext('resilience')))
    .handle(SCHEDULE_REVIEWS_JOB, () => tw.services.resilience.scheduleReviews(systemContext('review scheduler')))
    .handle(RECONCILE_FINDING_COUNTS_JOB, async () => {
      const result = await tw.services.resilience.reconcileFindingCounts();
      if (result.corrected.length) tw.logger.error({ vendorIds: result.corrected.slice(0, 50), count: result.corrected.length }, 'stored open-finding counts were wrong: a write changed findings without invalidating them');
      return { vendors: result.vendors, corrected: result.corrected.length };
    })
    .handle(REMINDER_JOB, () => tw.services.portal.sendReminders(systemContext('assessment reminders')))
    .handle(PRUNE_BLOBS_JOB, () => tw.services.portal.pruneBlobs(systemContext('evidence prune')))
    .handle(RUN_DUE_JOB, () => tw.services.drills.runDue(systemContext('drill scheduler')))
    .handle(STEP_JOB, (payload: StepJobPayload, _job, run) => tw.services.playbooks.engine.runStepJob(payload, run))
    .handle(INVITE_JOB, (payload: { assessmentId: string }, _job, run) => runInviteJob(tw.services, payload, run))
    .handle(EXPIRE_JOB, () => tw.services.blocklist.expire(systemContext('blocklist expiry')))
    .handle(EGRESS_PRUNE_JOB, () => tw.services.egressIngest.prune())
    .handle(EGRESS_ALERT_PRUNE_JOB, () => tw.services.egressAlerts.prune())
    .handle(DELIVER_JOB, (payload: DeliverJobPayload) => tw.services.notifications.deliver(payload.outboxId, { attempt: payload.attempt }))
    .handle(CLOCK_BREACH_JOB, () => tw.services.clocks.checkBreaches(systemContext('incident clocks')));
}

export async function buildHttp(tw: Thirdwatch, options: { webRoot?: string } = {}): Promise<{ app: App; routes: RouteInfo[] }> {
  const { services, config } = tw;
  const { app, routes } = await createHttpServer({
    config,
    logger: tw.logger,
    authenticator: services.access,
    webRoot: options.webRoot ?? WEB_ROOT,
    version: VERSION,
  });
  systemRoutes(app, { db: tw.database.db, dialect: tw.database.dialect, version: VERSION, vendors: services.vendors, audit: services.audit, resilience: services.resilience });
  jobRoutes(app, services.jobViews);
  accessRoutes(app, services.access, { secureCookies: config.secureCookies });
  vendorRoutes(app, services.vendors, services.vendorCsv, tw.launcher, { maxUploadBytes: config.maxUploadBytes });
  sbomRoutes(app, services.sboms, { maxUploadBytes: config.maxUploadBytes });
  technologyRoutes(app, services.technologies);
  advisoryRoutes(app, services.advisories, services.feeds, tw.launcher, { maxUploadBytes: config.maxUploadBytes });
  nvdSyncRoutes(app, services.nvdSync);
  findingRoutes(app, services.findings);
  cpeRoutes(app, services.cpes);
  riskRoutes(app, services.risks);
  mentionRoutes(app, services.mentions);
  indicatorRoutes(app, services.indicators, services.sightingRisks, services.taxii);
  auditRoutes(app, services.audit, services.vendors);
  integrityRoutes(app, services.integrity, { maxArtifactBytes: config.maxArtifactBytes });
  searchRoutes(app, services.search);
  resilienceRoutes(app, services.resilience);
  portalRoutes(app, services.portal, services.mailer, services.access, { maxFileBytes: config.maxEvidenceBytes });
  questionnaireRoutes(app, services.questionnaires);
  controlRoutes(app, services.controls, { maxUploadBytes: config.maxUploadBytes });
  oscalRoutes(app, services.oscal);
  assessmentRoutes(app, services.assessments);
  drillRoutes(app, services.drills);
  playbookRoutes(app, services.playbooks);
  incidentRoutes(app, services.incidents, services.incidentCorrelation, { maxFileBytes: config.maxEvidenceBytes });
  egressBlocklistRoutes(app, services.blocklist);
  egressAlertRoutes(app, services.egressAlerts);
  piiRoutes(app, services.pii);
  egressFlowRoutes(app, services);
  egressIngestRoutes(app, services.egressIngest, { version: VERSION });
  icapRoutes(app, services.icap);
  notificationRoutes(app, services.notifications);
  incidentClockRoutes(app, services.clocks, services.incidentMetrics);
  portalIncidentRoutes(app, services.portal, services.portalIncidents);
  await app.ready();
  return { app, routes };
}
