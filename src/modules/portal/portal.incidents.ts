import type { RequestContext } from '../../platform/context.js';
import type { VendorIncidentReport, VendorIncidentView } from '../incidents/incidents.schemas.js';
import type { IncidentService } from '../incidents/incidents.service.js';
import { vendorOf } from './portal.service.js';

/**
 * Incident reporting through the portal (a session opened from a link, or a vendor system's twv_
 * token): every call is scoped to the principal's own vendor, and the incident module answers with
 * the vendor's view only (shared fields, its own reports, shareable events; anything else a 404).
 */
export class PortalIncidents {
  constructor(private readonly incidents: Pick<IncidentService, 'vendorReport' | 'listForVendor' | 'getForVendor'>) {}

  report(input: VendorIncidentReport, ctx: RequestContext): Promise<{ incident: VendorIncidentView; duplicateOf: string | null }> {
    return this.incidents.vendorReport(input, vendorOf(ctx), ctx);
  }

  list(ctx: RequestContext): Promise<VendorIncidentView[]> {
    return this.incidents.listForVendor(vendorOf(ctx));
  }

  get(id: string, ctx: RequestContext): Promise<VendorIncidentView> {
    return this.incidents.getForVendor(id, vendorOf(ctx));
  }
}
