import { isIP } from 'node:net';
import type { ConfidenceTier, DetectionType } from '../pii/pii.model.js';
import type { EgressEventView } from './ingest.service.js';

/**
 * Egress events and their detections as OCSF 1.4.0 (https://schema.ocsf.io/1.4.0) for SIEMs: one
 * JSON object a line. HTTP requests are HTTP Activity (4002), DNS queries DNS Activity (4003), TLS
 * and TCP records Network Activity (4001); each data class found in an event's body is one Data
 * Security Finding (2006). Only what Thirdwatch stores goes out: no query strings, no bodies, no
 * detected values.
 */
export const OCSF_VERSION = '1.4.0';

const HTTP_ACTIVITY: Record<string, [number, string]> = {
  CONNECT: [1, 'Connect'],
  DELETE: [2, 'Delete'],
  GET: [3, 'Get'],
  HEAD: [4, 'Head'],
  OPTIONS: [5, 'Options'],
  POST: [6, 'Post'],
  PUT: [7, 'Put'],
  TRACE: [8, 'Trace'],
};

function endpoint(address: string | null, port: number | null = null): Record<string, unknown> | undefined {
  if (!address) return undefined;
  const out: Record<string, unknown> = isIP(address) ? { ip: address } : { hostname: address };
  if (port !== null) out.port = port;
  return out;
}

/** allow/block/record from the ICAP policy; log sources made no decision (unknown). */
function disposition(event: EgressEventView): Record<string, unknown> {
  switch (event.decision) {
    case 'allow':
      return { action_id: 1, action: 'Allowed', disposition_id: 1, disposition: 'Allowed' };
    case 'block':
      return { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' };
    case 'record':
      return { action_id: 1, action: 'Allowed', disposition_id: 17, disposition: 'Logged' };
    default:
      return { action_id: 0, action: 'Unknown' };
  }
}

function metadata(event: EgressEventView, version: string): Record<string, unknown> {
  return {
    version: OCSF_VERSION,
    uid: event.id,
    product: { name: 'Thirdwatch', vendor_name: 'Thirdwatch', version, feature: { name: `egress ${event.source}` } },
    logged_time: Date.parse(event.ingestedAt),
    original_time: event.at,
  };
}

function strip<T extends Record<string, unknown>>(object: T): T {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}

/** What OCSF has no attribute for: the data classes found, and that the body was scanned only up to the cap. */
function unmapped(event: EgressEventView): Record<string, unknown> | undefined {
  const out = {
    ...(event.dataClasses.length ? { data_classes: event.dataClasses, detections: event.detections } : {}),
    ...(event.scanTruncated ? { scan_truncated: true } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

export function ocsfActivity(event: EgressEventView, version: string): Record<string, unknown> {
  const time = Date.parse(event.at);
  const common = {
    category_uid: 4,
    category_name: 'Network Activity',
    severity_id: 1,
    severity: 'Informational',
    time,
    time_dt: event.at,
    metadata: metadata(event, version),
    src_endpoint: endpoint(event.client),
    ...disposition(event),
    message: event.reason ?? undefined,
    unmapped: unmapped(event),
  };
  if (event.source === 'zeek-dns') {
    return strip({ ...common, class_uid: 4003, class_name: 'DNS Activity', activity_id: 1, activity_name: 'Query', type_uid: 400301, query: { hostname: event.host } });
  }
  if (event.method === null) {
    return strip({ ...common, class_uid: 4001, class_name: 'Network Activity', activity_id: 6, activity_name: 'Traffic', type_uid: 400106, dst_endpoint: endpoint(event.host, event.port), traffic: traffic(event) });
  }
  const [activityId, activityName] = HTTP_ACTIVITY[event.method] ?? [99, event.method];
  return strip({
    ...common,
    class_uid: 4002,
    class_name: 'HTTP Activity',
    activity_id: activityId,
    activity_name: activityName,
    type_uid: 4002 * 100 + activityId,
    dst_endpoint: endpoint(event.host, event.port),
    http_request: strip({
      http_method: event.method,
      url: strip({ hostname: event.host, port: event.port ?? undefined, path: event.path ?? undefined }),
      http_headers: event.contentType ? [{ name: 'Content-Type', value: event.contentType }] : undefined,
    }),
    http_response: event.status === null ? undefined : { code: event.status },
    traffic: traffic(event),
    app_name: event.app ?? undefined,
  });
}

function traffic(event: EgressEventView) {
  return { bytes_out: event.bytesOut, bytes_in: event.bytesIn, bytes: event.bytesOut + event.bytesIn };
}

/** OCSF data_security.category_id: Personal 1, Governmental 2, Financial 3, Security 6, Other 99. */
const CATEGORY: Record<DetectionType, [number, string]> = {
  email: [1, 'Personal'],
  phone: [1, 'Personal'],
  ip_address: [1, 'Personal'],
  date_of_birth: [1, 'Personal'],
  us_ssn: [2, 'Governmental'],
  uk_nino: [2, 'Governmental'],
  national_id: [2, 'Governmental'],
  payment_card: [3, 'Financial'],
  iban: [3, 'Financial'],
  secret: [6, 'Security'],
  jwt: [6, 'Security'],
  custom: [99, 'Other'],
};

const SEVERITY: Record<ConfidenceTier, [number, string]> = { low: [2, 'Low'], medium: [3, 'Medium'], high: [4, 'High'] };
const TIER_ORDER: ConfidenceTier[] = ['low', 'medium', 'high'];
const CONFIDENCE: Record<ConfidenceTier, [number, string]> = { low: [1, 'Low'], medium: [2, 'Medium'], high: [3, 'High'] };

/** One Data Security Finding per data class of the event (counts over its tiers, severity from the highest). */
export function ocsfFindings(event: EgressEventView, version: string): Record<string, unknown>[] {
  const byType = new Map<DetectionType, { count: number; tier: ConfidenceTier }>();
  for (const entry of event.detections) {
    const seen = byType.get(entry.type);
    const tier = seen && TIER_ORDER.indexOf(seen.tier) > TIER_ORDER.indexOf(entry.tier) ? seen.tier : entry.tier;
    byType.set(entry.type, { count: (seen?.count ?? 0) + entry.count, tier });
  }
  const time = Date.parse(event.at);
  return [...byType].map(([type, { count, tier }]) => {
    const [categoryId, category] = CATEGORY[type];
    const [severityId, severity] = SEVERITY[tier];
    const [confidenceId, confidence] = CONFIDENCE[tier];
    return strip({
      class_uid: 2006,
      class_name: 'Data Security Finding',
      category_uid: 2,
      category_name: 'Findings',
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200601,
      time,
      time_dt: event.at,
      severity_id: severityId,
      severity,
      confidence_id: confidenceId,
      confidence,
      ...disposition(event),
      metadata: metadata(event, version),
      finding_info: {
        uid: `${event.id}:${type}`,
        title: `${type} in a request to ${event.host}`,
        types: [type],
        created_time: time,
        data_sources: [event.source],
        related_events: [{ uid: event.id }],
      },
      data_security: {
        category_id: categoryId,
        category,
        data_lifecycle_state_id: 2,
        data_lifecycle_state: 'Data in Transit',
        detection_system_id: 2,
        detection_system: 'DLP Gateway',
        detection_pattern: type,
        total: count,
      },
      src_endpoint: endpoint(event.client),
      dst_endpoint: endpoint(event.host, event.port),
      message: event.reason ?? undefined,
    });
  });
}
