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
