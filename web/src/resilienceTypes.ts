// Shapes of the resilience API (see src/modules/resilience): business services, gaps, contradictions, residual risk.

export interface BusinessService {
  id: string;
  name: string;
  description: string | null;
  owner: string | null;
  rtoMinutes: number | null;
  rpoMinutes: number | null;
  mtdMinutes: number | null;
  vendors: Array<{ id: string; name: string; tier: string }>;
  openGaps: number;
  createdAt: string;
  updatedAt: string;
}

/** Targets are stored in minutes and read in hours: "4 h", "0.5 h", "—" for none. */
export function formatMinutesAsHours(minutes: number | null): string {
  if (minutes === null) return '—';
  return `${Math.round((minutes / 60) * 100) / 100} h`;
}

export interface ResidualRisk {
  score: number;
  terms: Array<{ key: string; label: string; points: number; detail: string }>;
  assessedAt: string | null;
}

/** GET /api/v1/vendors/{id}/resilience */
export interface VendorResilience {
  vendorId: string;
  assessment: { id: string; templateName: string; status: string; submittedAt: string | null; closedAt: string | null; overall: number | null } | null;
  services: Array<{ id: string; name: string; rtoMinutes: number | null; rpoMinutes: number | null; mtdMinutes: number | null }>;
  gaps: Array<{ id: string; serviceId: string; serviceName: string | null; metric: 'rto' | 'rpo' | 'mtd'; targetMinutes: number; vendorMinutes: number | null; assessmentId: string | null; openedAt: string }>;
  contradictions: Array<{ kind: string; questionId: string; claim: string; observed: string }>;
}
