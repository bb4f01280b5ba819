import type { RequestContext } from '../../platform/context.js';
import type { VendorService } from './vendors.service.js';
import type { CreateVendorInput } from './vendors.schemas.js';

/**
 * A sample organisation for first-time users: a mid-size European company with its SaaS estate,
 * endpoint software, payment and payroll processors, and the fourth parties behind them. The
 * softphone vendor (3CX) ships an Electron desktop app that updates itself — the 2023 scenario.
 */
type DemoVendor = CreateVendorInput & {
  products?: Array<{ name: string; type: string; version?: string; deploymentCount?: number; updateChannel?: string; autoUpdate?: boolean }>;
  contact?: { name: string; email: string; role: string };
  contract?: { title: string; startDate: string; endDate: string; value: number; sbomClause?: boolean; breachNotificationHours?: number };
  subcontractors?: string[];
};

const saas = (name: string, domain: string, data: CreateVendorInput['dataCategories'], extra: Partial<DemoVendor> = {}): DemoVendor => ({
  name,
  domains: [domain],
  website: `https://www.${domain}`,
  dataCategories: data,
  accessLevel: 'integrated',
  criticality: 3,
  substitutability: 2,
  shipsSoftware: false,
  status: 'active',
  ...extra,
});

export const DEMO_VENDORS: DemoVendor[] = [
  {
    name: '3CX',
    aliases: ['3CX Ltd'],
    domains: ['3cx.com', '3cx.net'],
    country: 'CY',
    website: 'https://www.3cx.com',
    description: 'Business phone system. The desktop softphone (Electron) runs on every desk and updates itself from the vendor.',
    status: 'active',
    businessOwner: 'Head of IT Operations',
    team: 'it',
    services: ['telephony', 'softphone'],
    dataCategories: ['personal', 'confidential'],
    accessLevel: 'privileged',
    criticality: 4,
    substitutability: 3,
    annualSpend: 48000,
    currency: 'EUR',
    regulatoryScope: ['GDPR', 'NIS2'],
    shipsSoftware: true,
    autoUpdate: true,
    products: [
      { name: '3CX Desktop App', type: 'desktop-app', version: '18.12.416', deploymentCount: 1850, updateChannel: 'in-app auto-update from vendor CDN', autoUpdate: true },
      { name: '3CX Phone System', type: 'server-software', version: '18.0.7', deploymentCount: 2, updateChannel: 'admin console update' },
    ],
    contact: { name: 'Andreas Nicolaou', email: 'security@3cx.com', role: 'security contact' },
    contract: { title: '3CX Enterprise licence', startDate: '2022-01-01', endDate: '2026-12-31', value: 48000, sbomClause: false, breachNotificationHours: 72 },
    subcontractors: ['Amazon Web Services'],
  },
  saas('Microsoft', 'microsoft.com', ['personal', 'confidential', 'special-category'], { criticality: 4, substitutability: 4, accessLevel: 'privileged', shipsSoftware: true, autoUpdate: true, team: 'it', regulatoryScope: ['GDPR', 'NIS2', 'DORA'], annualSpend: 640000, currency: 'EUR',
    products: [{ name: 'Microsoft 365', type: 'saas' }, { name: 'Windows 11 Enterprise', type: 'desktop-app', deploymentCount: 2100, autoUpdate: true, updateChannel: 'Windows Update for Business' }, { name: 'Microsoft Teams', type: 'desktop-app', deploymentCount: 2100, autoUpdate: true }],
    contact: { name: 'Enterprise Support', email: 'premier@microsoft.com', role: 'account manager' },
    contract: { title: 'Enterprise Agreement', startDate: '2023-07-01', endDate: '2026-06-30', value: 1920000, sbomClause: false, breachNotificationHours: 72 } }),
  saas('Okta', 'okta.com', ['personal', 'confidential'], { criticality: 4, substitutability: 3, accessLevel: 'privileged', team: 'security', regulatoryScope: ['GDPR', 'SOC2'], shipsSoftware: true, autoUpdate: true,
    products: [{ name: 'Okta Workforce Identity', type: 'saas' }, { name: 'Okta Verify', type: 'mobile-app', deploymentCount: 2000, autoUpdate: true }],
    contract: { title: 'Okta subscription', startDate: '2024-01-01', endDate: '2026-12-31', value: 210000, sbomClause: true, breachNotificationHours: 24 }, subcontractors: ['Amazon Web Services'] }),
  saas('Salesforce', 'salesforce.com', ['personal', 'confidential'], { criticality: 3, substitutability: 3, team: 'it', regulatoryScope: ['GDPR'], products: [{ name: 'Sales Cloud', type: 'saas' }], subcontractors: ['Amazon Web Services'] }),
  saas('Slack Technologies', 'slack.com', ['confidential', 'personal'], { criticality: 3, shipsSoftware: true, autoUpdate: true, products: [{ name: 'Slack desktop', type: 'desktop-app', deploymentCount: 900, autoUpdate: true, updateChannel: 'Electron auto-updater' }], subcontractors: ['Amazon Web Services', 'Salesforce'] }),
  saas('Zoom Video Communications', 'zoom.us', ['personal', 'confidential'], { criticality: 3, shipsSoftware: true, autoUpdate: true, products: [{ name: 'Zoom Workplace', type: 'desktop-app', deploymentCount: 1400, autoUpdate: true }], subcontractors: ['Amazon Web Services', 'Oracle'] }),
  saas('Amazon Web Services', 'aws.amazon.com', ['personal', 'confidential', 'payment'], { criticality: 4, substitutability: 4, accessLevel: 'privileged', team: 'it', regulatoryScope: ['GDPR', 'DORA', 'PCI-DSS'], annualSpend: 1200000, currency: 'EUR', products: [{ name: 'AWS eu-central-1 workloads', type: 'saas' }],
    contract: { title: 'AWS Enterprise Discount Program', startDate: '2023-01-01', endDate: '2027-12-31', value: 6000000, breachNotificationHours: 72 } }),
  saas('Cloudflare', 'cloudflare.com', ['personal', 'confidential'], { criticality: 4, substitutability: 3, accessLevel: 'network', team: 'security', products: [{ name: 'Cloudflare Zero Trust', type: 'saas' }, { name: 'Cloudflare WARP', type: 'agent', deploymentCount: 2000, autoUpdate: true }], shipsSoftware: true, autoUpdate: true }),
  saas('Atlassian', 'atlassian.com', ['confidential', 'personal'], { criticality: 3, team: 'it', products: [{ name: 'Jira Software Cloud', type: 'saas' }, { name: 'Confluence Cloud', type: 'saas' }], subcontractors: ['Amazon Web Services'] }),
  saas('GitHub', 'github.com', ['confidential'], { criticality: 4, substitutability: 3, accessLevel: 'privileged', team: 'security', products: [{ name: 'GitHub Enterprise Cloud', type: 'saas' }, { name: 'GitHub Actions runners', type: 'agent', autoUpdate: true }], shipsSoftware: true, autoUpdate: true, subcontractors: ['Microsoft'] }),
  saas('SolarWinds', 'solarwinds.com', ['internal', 'confidential'], { criticality: 3, accessLevel: 'privileged', team: 'it', shipsSoftware: true, autoUpdate: false, products: [{ name: 'SolarWinds Orion Platform', type: 'server-software', version: '2024.2', deploymentCount: 1, updateChannel: 'manual installer' }] }),
  saas('CrowdStrike', 'crowdstrike.com', ['confidential', 'personal'], { criticality: 4, substitutability: 3, accessLevel: 'privileged', team: 'security', shipsSoftware: true, autoUpdate: true, regulatoryScope: ['NIS2'], products: [{ name: 'Falcon sensor', type: 'agent', deploymentCount: 2300, autoUpdate: true, updateChannel: 'cloud-pushed content and sensor updates' }],
    contract: { title: 'Falcon Enterprise', startDate: '2024-03-01', endDate: '2027-02-28', value: 390000, sbomClause: true, breachNotificationHours: 24 }, subcontractors: ['Amazon Web Services'] }),
  saas('Workday', 'workday.com', ['personal', 'special-category', 'payment'], { criticality: 4, substitutability: 4, team: 'privacy', regulatoryScope: ['GDPR'], products: [{ name: 'Workday HCM', type: 'saas' }] }),
  saas('ADP', 'adp.com', ['personal', 'payment', 'special-category'], { criticality: 4, substitutability: 3, team: 'privacy', regulatoryScope: ['GDPR', 'SOX'], products: [{ name: 'ADP Payroll', type: 'saas' }], contract: { title: 'Payroll services', startDate: '2021-01-01', endDate: '2026-12-31', value: 150000, breachNotificationHours: 48 } }),
  saas('Stripe', 'stripe.com', ['payment', 'personal'], { criticality: 4, substitutability: 3, team: 'compliance', regulatoryScope: ['PCI-DSS', 'PSD2', 'GDPR'], products: [{ name: 'Stripe Payments API', type: 'saas' }, { name: 'stripe-node', type: 'library' }], subcontractors: ['Amazon Web Services'] }),
  saas('Twilio', 'twilio.com', ['personal'], { criticality: 2, products: [{ name: 'Twilio Programmable SMS', type: 'saas' }], subcontractors: ['Amazon Web Services'] }),
  saas('SendGrid', 'sendgrid.com', ['personal'], { criticality: 2, products: [{ name: 'SendGrid Email API', type: 'saas' }], subcontractors: ['Twilio'] }),
  saas('HubSpot', 'hubspot.com', ['personal'], { criticality: 2, substitutability: 2, products: [{ name: 'Marketing Hub', type: 'saas' }], subcontractors: ['Amazon Web Services', 'Google Cloud'] }),
  saas('Zendesk', 'zendesk.com', ['personal'], { criticality: 2, products: [{ name: 'Zendesk Support', type: 'saas' }], subcontractors: ['Amazon Web Services'] }),
  saas('DocuSign', 'docusign.com', ['personal', 'confidential'], { criticality: 2, team: 'legal', products: [{ name: 'DocuSign eSignature', type: 'saas' }] }),
  saas('Box', 'box.com', ['confidential', 'personal'], { criticality: 2, team: 'legal', shipsSoftware: true, autoUpdate: true, products: [{ name: 'Box Drive', type: 'desktop-app', deploymentCount: 300, autoUpdate: true }], subcontractors: ['Google Cloud'] }),
  saas('ServiceNow', 'servicenow.com', ['confidential', 'personal'], { criticality: 3, team: 'it', products: [{ name: 'ServiceNow ITSM', type: 'saas' }] }),
  saas('SAP', 'sap.com', ['confidential', 'payment', 'personal'], { criticality: 4, substitutability: 4, team: 'compliance', regulatoryScope: ['SOX', 'GDPR'], products: [{ name: 'SAP S/4HANA', type: 'server-software', deploymentCount: 1 }], shipsSoftware: true }),
  saas('Oracle', 'oracle.com', ['confidential'], { criticality: 2, substitutability: 3, products: [{ name: 'Oracle Cloud Infrastructure', type: 'saas' }] }),
  saas('Adobe', 'adobe.com', ['internal'], { criticality: 2, shipsSoftware: true, autoUpdate: true, products: [{ name: 'Adobe Acrobat', type: 'desktop-app', deploymentCount: 1200, autoUpdate: true }, { name: 'Creative Cloud', type: 'desktop-app', deploymentCount: 60, autoUpdate: true }] }),
  saas('Google Cloud', 'cloud.google.com', ['confidential', 'personal'], { criticality: 3, substitutability: 3, accessLevel: 'privileged', products: [{ name: 'BigQuery', type: 'saas' }] }),
  saas('Datadog', 'datadoghq.com', ['internal', 'confidential'], { criticality: 3, accessLevel: 'privileged', shipsSoftware: true, autoUpdate: true, team: 'it', products: [{ name: 'Datadog Agent', type: 'agent', deploymentCount: 450, autoUpdate: true }], subcontractors: ['Amazon Web Services'] }),
  saas('PagerDuty', 'pagerduty.com', ['internal', 'personal'], { criticality: 3, team: 'it', products: [{ name: 'PagerDuty Incident Response', type: 'saas' }], subcontractors: ['Amazon Web Services', 'Twilio'] }),
  saas('MongoDB', 'mongodb.com', ['personal', 'confidential'], { criticality: 3, products: [{ name: 'MongoDB Atlas', type: 'saas' }], subcontractors: ['Amazon Web Services'] }),
  saas('Snowflake', 'snowflake.com', ['personal', 'confidential'], { criticality: 3, substitutability: 3, team: 'privacy', products: [{ name: 'Snowflake Data Cloud', type: 'saas' }], subcontractors: ['Amazon Web Services'] }),
  saas('Kaseya', 'kaseya.com', ['internal'], { status: 'offboarding', criticality: 3, accessLevel: 'privileged', shipsSoftware: true, autoUpdate: true, team: 'it', products: [{ name: 'Kaseya VSA agent', type: 'agent', deploymentCount: 400, autoUpdate: true }] }),
  saas('Progress Software', 'progress.com', ['personal', 'confidential'], { criticality: 3, accessLevel: 'network', shipsSoftware: true, team: 'it', products: [{ name: 'MOVEit Transfer', type: 'server-software', version: '2023.0.1', deploymentCount: 1, updateChannel: 'manual installer' }] }),
  saas('Ivanti', 'ivanti.com', ['internal', 'confidential'], { criticality: 4, accessLevel: 'network', shipsSoftware: true, team: 'security', products: [{ name: 'Ivanti Connect Secure', type: 'device', version: '22.7R2', deploymentCount: 2 }] }),
  saas('Fortinet', 'fortinet.com', ['internal'], { criticality: 4, accessLevel: 'network', substitutability: 3, shipsSoftware: true, autoUpdate: true, team: 'security', products: [{ name: 'FortiGate 600F', type: 'device', deploymentCount: 4, autoUpdate: true }, { name: 'FortiClient', type: 'agent', deploymentCount: 1900, autoUpdate: true }] }),
  saas('Zscaler', 'zscaler.com', ['personal', 'confidential'], { criticality: 4, accessLevel: 'network', shipsSoftware: true, autoUpdate: true, team: 'security', products: [{ name: 'Zscaler Client Connector', type: 'agent', deploymentCount: 2000, autoUpdate: true }] }),
  saas('Jamf', 'jamf.com', ['internal'], { criticality: 3, accessLevel: 'privileged', shipsSoftware: true, autoUpdate: true, team: 'it', products: [{ name: 'Jamf Pro', type: 'saas' }, { name: 'Jamf agent', type: 'agent', deploymentCount: 350, autoUpdate: true }], subcontractors: ['Amazon Web Services'] }),
  saas('KnowBe4', 'knowbe4.com', ['personal'], { criticality: 1, substitutability: 1, team: 'security', products: [{ name: 'Security Awareness Training', type: 'saas' }] }),
  saas('Greenhouse Software', 'greenhouse.io', ['personal', 'special-category'], { criticality: 2, team: 'privacy', products: [{ name: 'Greenhouse Recruiting', type: 'saas' }], subcontractors: ['Amazon Web Services'] }),
  saas('Deel', 'deel.com', ['personal', 'payment'], { criticality: 2, team: 'privacy', regulatoryScope: ['GDPR'], products: [{ name: 'Deel contractor payments', type: 'saas' }], subcontractors: ['Stripe'] }),
  saas('Iron Mountain', 'ironmountain.com', ['confidential', 'personal'], { criticality: 2, accessLevel: 'physical', team: 'legal', products: [{ name: 'Secure shredding and archive', type: 'service' }] }),
  saas('ISS Facility Services', 'issworld.com', ['none'], { criticality: 1, substitutability: 1, accessLevel: 'physical', products: [{ name: 'Office cleaning', type: 'service' }] }),
  saas('Deloitte', 'deloitte.com', ['confidential', 'personal'], { criticality: 2, accessLevel: 'network', team: 'compliance', products: [{ name: 'External audit', type: 'service' }] }),
  saas('Acme Translation Services', 'acme-translate.example', ['confidential'], { status: 'prospect', criticality: 1, substitutability: 1, accessLevel: 'none', products: [{ name: 'Document translation', type: 'service' }] }),
  saas('Notion Labs', 'notion.so', ['internal', 'confidential'], { criticality: 1, substitutability: 1, shipsSoftware: true, autoUpdate: true, products: [{ name: 'Notion desktop', type: 'desktop-app', deploymentCount: 120, autoUpdate: true }], subcontractors: ['Amazon Web Services'] }),
  saas('Figma', 'figma.com', ['internal'], { criticality: 1, substitutability: 2, shipsSoftware: true, autoUpdate: true, products: [{ name: 'Figma desktop', type: 'desktop-app', deploymentCount: 40, autoUpdate: true }] }),
  saas('1Password', '1password.com', ['confidential'], { criticality: 3, substitutability: 2, accessLevel: 'privileged', shipsSoftware: true, autoUpdate: true, team: 'security', products: [{ name: '1Password 8', type: 'desktop-app', deploymentCount: 2000, autoUpdate: true, updateChannel: 'Electron auto-updater' }] }),
  saas('Legacy Fax Gateway GmbH', 'faxgw.example', ['personal'], { status: 'terminated', criticality: 1, substitutability: 1, accessLevel: 'network', products: [{ name: 'Fax-to-mail gateway', type: 'device' }] }),
];

export interface DemoSummary {
  vendors: number;
  products: number;
  contacts: number;
  contracts: number;
  subcontractors: number;
  skipped: number;
}

/** Loads the demo organisation; vendors that already exist by name are left untouched. */
export async function loadDemo(services: { vendors: VendorService }, ctx: RequestContext): Promise<DemoSummary> {
  const { vendors } = services;
  const summary: DemoSummary = { vendors: 0, products: 0, contacts: 0, contracts: 0, subcontractors: 0, skipped: 0 };
  const ids = new Map<string, string>();
  const existing = await vendors.list({ limit: 500 });
  for (const v of existing.items) ids.set(v.name, v.id);
  const created = new Set<string>();
  for (const demo of DEMO_VENDORS) {
    if (ids.has(demo.name)) {
      summary.skipped++;
      continue;
    }
    const { products, contact, contract, subcontractors: _subs, ...input } = demo;
    const vendor = await vendors.create(input, ctx);
    ids.set(vendor.name, vendor.id);
    created.add(vendor.name);
    summary.vendors++;
    for (const p of products ?? []) {
      await vendors.createProduct(vendor.id, p, ctx);
      summary.products++;
    }
    // Every vendor gets the contact an incident needs first; named ones are primary.
    const securityDesk = { name: `${vendor.name} security team`, email: `security@${demo.domains?.[0] ?? 'example.com'}`, role: 'security contact' };
    await vendors.createContact(vendor.id, { ...(contact ?? securityDesk), isPrimary: true }, ctx);
    summary.contacts++;
    if (contract) {
      await vendors.createContract(vendor.id, { ...contract, currency: 'EUR', breachNotificationClause: contract.breachNotificationHours !== undefined }, ctx);
      summary.contracts++;
    }
  }
  for (const demo of DEMO_VENDORS) {
    if (!created.has(demo.name)) continue;
    for (const sub of demo.subcontractors ?? []) {
      await vendors.addSubcontractor(ids.get(demo.name)!, ids.get(sub)!, null, ctx);
      summary.subcontractors++;
    }
  }
  return summary;
}

/**
 * SBOMs for the demo products (3CX Desktop App 18.12.407 and 18.12.416, Slack, 1Password and
 * Notion on Electron, a Java server with log4j-core, a Go agent, and the internal estate): run
 * after loadDemo, as `thirdwatch demo` does. Generated in code by the SBOM module.
 */
export { loadDemoSboms, type DemoSbomSummary } from '../sboms/sboms.demo.js';
