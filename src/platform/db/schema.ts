import type { Kysely, Transaction } from 'kysely';
import type { PlatformTables } from './tables.js';
import type { VendorTables } from '../../modules/vendors/vendors.tables.js';
import type { SbomTables } from '../../modules/sboms/sboms.tables.js';
import type { AdvisoryTables } from '../../modules/advisories/advisories.tables.js';
import type { RiskTables } from '../../modules/risks/risks.tables.js';
import type { IntegrityTables } from '../../modules/integrity/integrity.tables.js';
import type { MentionTables } from '../../modules/mentions/mentions.tables.js';
import type { IndicatorTables } from '../../modules/indicators/indicators.tables.js';
import type { SearchTables } from '../../modules/search/search.tables.js';
import type { ResilienceTables } from '../../modules/resilience/resilience.tables.js';
import type { PortalTables } from '../../modules/portal/portal.tables.js';
import type { QuestionnaireTables } from '../../modules/questionnaires/questionnaires.tables.js';
import type { ControlTables } from '../../modules/controls/controls.tables.js';
import type { AssessmentTables } from '../../modules/assessments/assessments.tables.js';
import type { DrillTables } from '../../modules/drills/drills.tables.js';
import type { PlaybookTables } from '../../modules/playbooks/playbooks.tables.js';
import type { IncidentTables } from '../../modules/incidents/incidents.tables.js';
import type { EgressTables } from '../../modules/egress/egress.tables.js';
import type { IngestTables } from '../../modules/egress/ingest.tables.js';
import type { EgressFlowTables } from '../../modules/egress/flows.tables.js';
import type { NotificationTables } from '../../modules/notifications/notifications.tables.js';
import type { IncidentClockTables } from '../../modules/incidents/incidents.clocks.tables.js';
import type { EgressAlertTables } from '../../modules/egress/alerts.tables.js';
import type { PiiTables } from '../../modules/pii/pii.tables.js';
import type { IcapTables } from '../../modules/icap/icap.tables.js';

/** Every table Kysely knows about: the platform's plus each module's own. */
export interface DB extends PlatformTables, VendorTables, SbomTables, AdvisoryTables, RiskTables, IntegrityTables, MentionTables, IndicatorTables, SearchTables, ResilienceTables, PortalTables, QuestionnaireTables, ControlTables, AssessmentTables, PlaybookTables, DrillTables, IncidentTables, EgressTables, IngestTables, NotificationTables, IncidentClockTables, EgressAlertTables, PiiTables, EgressFlowTables, IcapTables {}

/** Repositories accept either the database or an open transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;
