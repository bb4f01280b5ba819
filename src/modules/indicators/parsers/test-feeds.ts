// Test documents in the shapes real threat-intel files have, every value invented (hashes of
// labels, documentation addresses, example domains). Each builder names the public files it was
// modelled on; the expected counts sit beside it so the parser and the HTTP import tests agree.
import { createHash } from 'node:crypto';

export const sha256 = (label: string) => createHash('sha256').update(label).digest('hex');
export const sha1 = (label: string) => createHash('sha1').update(label).digest('hex');
export const md5 = (label: string) => createHash('md5').update(label).digest('hex');
export const uuid = (n: number, version = 4) => `5f1c0a2e-0000-${version}000-8000-${String(n).padStart(12, '0')}`;

const csvLine = (cells: string[], separator = ',') => cells.map((c) => `"${c}"`).join(separator);
const banner = (title: string, lines: string[]) => ['################################################################', `# ${title.padEnd(61)}#`, ...lines.map((l) => `# ${l.padEnd(61)}#`), '################################################################', '#'];

/** URLhaus `csv_recent` dump (abuse.ch): a banner, the header as a comment, every field quoted, CRLF. */
export function urlhausCsv(options: { withLastOnline?: boolean } = {}): string {
  const last = options.withLastOnline ?? true;
  const header = ['id', 'dateadded', 'url', 'url_status', ...(last ? ['last_online'] : []), 'threat', 'tags', 'urlhaus_link', 'reporter'];
  const row = (id: number, added: string, url: string, tags: string) => csvLine([String(id), added, url, 'online', ...(last ? [added] : []), 'malware_download', tags, `https://urlhaus.abuse.ch/url/${id}/`, 'tester']);
  return [
    ...banner('abuse.ch URLhaus Database Dump (CSV - recent URLs only)', ['Last updated: 2026-04-14 16:05:01 (UTC)', '', 'Terms Of Use: https://urlhaus.abuse.ch/api/', 'For questions please contact urlhaus [at] abuse.ch']),
    `# ${header.join(',')}`,
    row(900001, '2026-04-14 16:02:21', 'http://198.51.100.23:37352/bin.sh', '32-bit,elf,mips,Mozi'),
    row(900002, '2026-04-14 16:02:19', 'https://payload-drop.example.net/inv/upd.zip?id=7', 'ClearFake'),
    row(900003, '2026-04-14 16:00:19', 'http://invented-loader.com/a.ps1', 'None'),
  ].join('\r\n');
}
export const URLHAUS_URLS = ['http://198.51.100.23:37352/bin.sh', 'https://payload-drop.example.net/inv/upd.zip?id=7', 'http://invented-loader.com/a.ps1'];

/** MalwareBazaar `export/csv/recent`: quoted header comment, `", "` between fields, n/a for empty; imphash, ssdeep, TLSH are no indicators. */
export function bazaarCsv(options: { shortHeader?: boolean } = {}): string {
  const names = ['first_seen_utc', 'sha256_hash', 'md5_hash', 'sha1_hash', 'reporter', 'file_name', 'file_type_guess', 'mime_type', 'signature', 'clamav', 'vtpercent', 'imphash', 'ssdeep', 'tlsh'];
  // Seen in the wild: the comment header stops at imphash while rows carry all 14 fields, and a count line follows it.
  const header = options.shortHeader ? names.slice(0, 12) : names;
  const row = (label: string, seen: string, file: string, signature: string) =>
    csvLine([seen, sha256(label), md5(label), sha1(label), 'tester', file, 'exe', 'application/x-dosexec', signature, 'n/a', 'n/a', md5(`imphash ${label}`), '12288:Qx7bQ:Qx7b', `T1${sha256(label).slice(0, 70).toUpperCase()}`], ', ');
  return [
    ...banner('MalwareBazaar recent malware samples (CSV)', ['Last updated: 2026-10-05 00:45:01 UTC', '', 'Terms Of Use: https://bazaar.abuse.ch/faq/#tos']),
    `# ${header.map((n) => `"${n}"`).join(',')}`,
    ...(options.shortHeader ? ['#  Number of entries: 2', '#'] : []),
    row('bazaar one', '2026-10-05 00:42:15', 'invoice.exe', 'AgentTesla'),
    row('bazaar two', '2026-10-05 00:38:02', 'kushnet.x64', 'n/a'),
  ].join('\n');
}
export const BAZAAR_VALUES = ['bazaar one', 'bazaar two'].flatMap((l) => [`sha256:${sha256(l)}`, `md5:${md5(l)}`, `sha1:${sha1(l)}`]);

/** ThreatFox `export/csv/recent`: ip:port, domain, url and hash IOCs, "None" placeholders, a reference URL that is no IOC. */
export function threatfoxCsv(): string {
  const header = ['first_seen_utc', 'ioc_id', 'ioc_value', 'ioc_type', 'threat_type', 'fk_malware', 'malware_alias', 'malware_printable', 'last_seen_utc', 'confidence_level', 'is_compromised', 'reference', 'tags', 'anonymous', 'reporter'];
  const row = (id: number, value: string, type: string, threat: string, confidence: string, reference: string, tags: string) =>
    csvLine(['2026-07-04 21:46:30', String(id), value, type, threat, 'win.cobalt_strike', 'None', 'Cobalt Strike', '', confidence, 'False', reference, tags, '0', 'tester'], ', ');
  return [
    ...banner('ThreatFox IOCs: recent additions - CSV format', ['Last updated: 2026-07-04 22:19:04 UTC']),
    `# ${header.map((n) => `"${n}"`).join(',')}`,
    row(1844855, 'relay-c2.example.org', 'domain', 'payload_delivery', '100', 'None', 'ClearFake,windows'),
    row(1844853, '203.0.113.36:5555', 'ip:port', 'botnet_cc', '75', 'https://twitter.com/invented/status/1', 'CobaltStrike'),
    row(1844852, '[2001:db8::36]:443', 'ip:port', 'botnet_cc', '50', 'None', 'None'),
    row(1844827, 'https://staging.example.net/path?q=a,b', 'url', 'payload_delivery', '75', 'None', 'Vidar'),
    row(1844820, sha256('threatfox payload'), 'sha256_hash', 'payload', '95', 'https://bazaar.abuse.ch/sample/x/', 'None'),
    row(1844819, md5('threatfox payload'), 'md5_hash', 'payload', '95', 'None', 'None'),
    '# Number of entries: 6',
  ].join('\r\n');
}
export const THREATFOX_VALUES = ['domain:relay-c2.example.org', 'ipv4:203.0.113.36', 'ipv6:2001:db8::36', 'url:https://staging.example.net/path?q=a,b', `sha256:${sha256('threatfox payload')}`, `md5:${md5('threatfox payload')}`];

/** ThreatFox full JSON export: an object keyed by IOC id, each holding a list of one record. */
export function threatfoxJson(): string {
  const rec = (value: string, type: string, extra: Record<string, unknown> = {}) => ({ ioc_value: value, ioc_type: type, threat_type: 'botnet_cc', malware: 'win.vshell', malware_alias: null, malware_printable: 'VShell', first_seen_utc: '2026-10-05 02:05:04', last_seen_utc: null, confidence_level: 100, is_compromised: false, reference: null, tags: 'vshell, c2', anonymous: 1, reporter: 'anonymous', ...extra });
  return JSON.stringify({ '1952028': [rec('198.51.100.40:8084', 'ip:port')], '1952029': [rec('vshell-panel.example.com', 'domain', { reference: 'https://example.com/report' })], '1952030': [rec(sha256('vshell'), 'sha256_hash', { tags: null })] });
}

/** ThreatFox API answer (`{"query_status": "ok", "data": [...]}`, `ioc` and tag lists). */
export function threatfoxApiJson(): string {
  return JSON.stringify({ query_status: 'ok', data: [{ id: '41', ioc: 'gate.example.org:443', threat_type: 'botnet_cc', ioc_type: 'domain', malware_printable: 'Pikabot', first_seen: '2026-10-05 02:05:04 UTC', confidence_level: 75, tags: ['pikabot', 'c2'] }] });
}

/** URLhaus JSON export: keyed by id, tags as a list, dates with " UTC". */
export function urlhausJson(): string {
  const rec = (id: number, url: string) => ({ dateadded: '2026-04-14 16:02:21 UTC', url, url_status: 'online', last_online: '2026-04-14 16:02:21 UTC', threat: 'malware_download', tags: ['elf', 'mips'], urlhaus_link: `https://urlhaus.abuse.ch/url/${id}/`, reporter: 'tester' });
  return JSON.stringify({ '900011': [rec(900011, 'http://198.51.100.24:41000/i')], '900012': [rec(900012, 'https://payload-drop.example.net/x.zip')] });
}

/** Feodo Tracker `ipblocklist.csv`: banner, a plain quoted header row, an END count line. */
export function feodoCsv(): string {
  const rows = [
    ['2023-05-23 17:51:44', '192.0.2.73', '1194', 'online', '2024-04-01', 'Pikabot'],
    ['2024-02-08 19:20:49', '198.51.100.155', '5000', 'offline', '2024-03-11', 'Pikabot'],
    ['2025-12-30 13:56:31', '203.0.113.211', '443', 'online', '2026-03-12', 'QakBot'],
  ];
  return [...banner('abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)', ['Last updated: 2024-04-04 07:03:03 UTC', '', 'Terms Of Use: https://feodotracker.abuse.ch/blocklist/']), csvLine(['first_seen_utc', 'dst_ip', 'dst_port', 'c2_status', 'last_online', 'malware']), ...rows.map((r) => csvLine(r)), `# END ${rows.length} entries`].join('\n');
}

/** Feodo Tracker `ipblocklist.txt` and lists like it: one address a line, comments, stray spaces, a CIDR block. */
export function ipList(): string {
  return [...banner('abuse.ch Feodo Tracker Botnet C2 IP Blocklist (IPs only)', ['Last updated: 2024-04-04 07:03:03 UTC']), '# DstIP', '192.0.2.44', '198.51.100.9    ', '203.0.113.0/24', '2001:db8::44', '', '# END 4 entries'].join('\n');
}

/** A MISP CSV export (`uuid,event_id,category,type,value,comment,to_ids,date`), as Citizen Lab publishes its iocs.csv. */
export function mispCsv(): string {
  const row = (n: number, category: string, type: string, value: string, comment: string, toIds: 0 | 1, date = '20161107') => `${uuid(n)},17,${category},${type},"${value}","${comment}",${toIds},${date}`;
  return [
    'uuid,event_id,category,type,value,comment,to_ids,date',
    row(1, 'Artifacts dropped', 'md5', md5('payload 1'), 'payload, first variant', 1),
    row(2, 'Network activity', 'ip-dst', '198.51.100.47', 'C2 IP', 1, '20161116'),
    row(3, 'Network activity', 'domain', 'tibet-news.example.org', 'domain linked to one of the C2 IPs', 1),
    row(4, 'Artifacts dropped', 'yara', 'import ""pe""\nrule invented_export\n{\n    condition:\n        pe.exports(""cfsUpdate"")\n}', '', 1),
    row(5, 'Artifacts dropped', 'regkey', 'HKEY_CURRENT_USER\\Software\\Invented\\Ver', 'Contains the version', 1),
    row(6, 'Payload delivery', 'sha256', sha256('dropper'), 'dropper', 1, '20161109'),
    row(7, 'Artifacts dropped', 'md5', md5('legitimate loader'), 'legitimate file used for side loading', 0),
    row(8, 'Network activity', 'ip-dst|port', '192.0.2.80|8443', 'C2', 1),
    row(9, 'Payload delivery', 'filename|sha256', `wab32res.dll|${sha256('wab32res')}`, '', 1),
    row(10, 'Network activity', 'domain|ip', 'cdn-sync.example.com|203.0.113.80', '', 1),
    row(11, 'Payload delivery', 'malware-sample', `sample.exe|${md5('sample')}`, '', 1),
    row(12, 'Network activity', 'ip-dst', '203.0.113.128/25', 'hosting range', 1),
    row(13, 'Payload delivery', 'filename|ssdeep', 'x.exe|96:QRWk:QRWk', '', 1),
  ].join('\n');
}
export const MISP_CSV_VALUES = [`md5:${md5('payload 1')}`, 'ipv4:198.51.100.47', 'domain:tibet-news.example.org', `sha256:${sha256('dropper')}`, 'ipv4:192.0.2.80', `sha256:${sha256('wab32res')}`, 'domain:cdn-sync.example.com', 'ipv4:203.0.113.80', `md5:${md5('sample')}`];

const attribute = (n: number, type: string, value: string, extra: Record<string, unknown> = {}) => ({
  uuid: uuid(n),
  value,
  timestamp: '1606485659',
  type,
  to_ids: true,
  comment: '',
  disable_correlation: false,
  category: type.startsWith('ip') || type.includes('domain') || type === 'url' || type === 'hostname' ? 'Network activity' : 'Payload delivery',
  deleted: false,
  ...extra,
});

/** A CIRCL OSINT feed event (`feed-osint/<uuid>.json`): taxonomy and galaxy tags, attributes, file and virustotal-report objects. */
export function circlEvent(n = 1): { Event: Record<string, unknown> } {
  const payload = sha256(`osint payload ${n}`);
  // Attribute uuids are unique across events, as MISP makes them.
  const mispAttr = (k: number, type: string, value: string, extra: Record<string, unknown> = {}) => attribute(1000 * n + k, type, value, extra);
  const mispObjectAttr = (k: number, relation: string, type: string, value: string, extra: Record<string, unknown> = {}) => ({ ...mispAttr(k, type, value, extra), object_relation: relation });
  return {
    Event: {
      uuid: uuid(n),
      timestamp: '1607324075',
      analysis: '2',
      date: '2020-11-27',
      info: `OSINT - Invented ransomware report ${n}`,
      threat_level_id: '1',
      published: true,
      extends_uuid: '',
      publish_timestamp: '1607324084',
      Orgc: { uuid: '55f6ea5e-2c60-40e5-964f-47a8950d210f', name: 'CIRCL' },
      Tag: [
        { colour: '#004646', name: 'type:OSINT' },
        { colour: '#0071c3', name: 'osint:lifetime="perpetual"' },
        { colour: '#0087e8', name: 'osint:certainty="50"' },
        { colour: '#ffffff', name: 'tlp:white' },
        { colour: '#0088cc', name: 'misp-galaxy:ransomware="Invented"' },
      ],
      Attribute: [
        mispAttr(1, 'url', `http://198.51.100.41:81/${n}.bin`),
        mispAttr(2, 'ip-dst', '192.0.2.52', { to_ids: false, comment: 'Potential false-positive but included in the OSINT report' }),
        mispAttr(3, 'ip-dst', '198.51.100.41'),
        mispAttr(4, 'sha1', sha1(`osint ${n}`)),
        mispAttr(5, 'sha256', payload),
        mispAttr(6, 'md5', md5(`osint ${n}`), { Tag: [{ name: 'tlp:amber' }, { name: 'osint:certainty="93"' }] }),
        mispAttr(7, 'link', 'https://blog.example.com/invented-report', { to_ids: false }),
        mispAttr(8, 'ip-dst|port', '203.0.113.9|4444'),
        mispAttr(9, 'domain|ip', 'beacon.example.net|203.0.113.10'),
        mispAttr(10, 'hostname', 'upd.cdn-mirror.example.com'),
        mispAttr(11, 'email-src', 'invoices@billing-notice.example.org', { category: 'Payload delivery' }),
        mispAttr(12, 'malware-sample', `loader.exe|${md5(`loader ${n}`)}`, { data: 'UEsDBAo=' }),
        mispAttr(13, 'ip-src', '198.51.100.0/24'),
        mispAttr(14, 'domain', 'removed.example.com', { deleted: true }),
        mispAttr(15, 'domain', 'legacy-flag.example.com', { to_ids: '1' }),
        mispAttr(16, 'domain', 'context-only.example.com', { to_ids: '0' }),
        mispAttr(17, 'x509-fingerprint-sha1', sha1('cert')),
        mispAttr(18, 'filename|sha256', `setup.msi|${sha256(`setup ${n}`)}`),
      ],
      Object: [
        {
          uuid: uuid(200 + n),
          timestamp: '1606486060',
          template_uuid: '688c46fb-5edb-40a3-8273-1af7923e2215',
          description: 'File object describing a file with meta-information',
          'meta-category': 'file',
          template_version: '22',
          name: 'file',
          deleted: false,
          ObjectReference: [{ uuid: uuid(300 + n), timestamp: '0', referenced_uuid: uuid(201 + n), object_uuid: uuid(200 + n), relationship_type: 'analysed-with' }],
          Attribute: [
            mispObjectAttr(20, 'md5', 'md5', md5(`object ${n}`)),
            mispObjectAttr(21, 'sha1', 'sha1', sha1(`object ${n}`)),
            // The same hash as the event-level attribute: one indicator, two records of it.
            mispObjectAttr(22, 'sha256', 'sha256', payload),
            mispObjectAttr(23, 'filename', 'filename', 'payload.dll', { to_ids: false }),
            mispObjectAttr(24, 'size-in-bytes', 'size-in-bytes', '482304', { to_ids: false, disable_correlation: true }),
          ],
        },
        {
          uuid: uuid(201 + n),
          timestamp: '1606486060',
          description: 'VirusTotal report',
          'meta-category': 'misc',
          name: 'virustotal-report',
          deleted: false,
          Attribute: [
            mispObjectAttr(30, 'last-submission', 'datetime', '2020-11-27T00:53:30+00:00', { to_ids: false }),
            mispObjectAttr(31, 'permalink', 'link', `https://www.virustotal.com/gui/file/${payload}/detection`, { to_ids: false }),
            mispObjectAttr(32, 'detection-ratio', 'text', '50/66', { to_ids: false }),
          ],
        },
        { uuid: uuid(202 + n), name: 'domain-ip', deleted: true, Attribute: [mispObjectAttr(40, 'domain', 'domain', 'withdrawn.example.com')] },
      ],
    },
  };
}
/** What circlEvent(n) yields: value → TLP and confidence. */
export function circlExpected(n = 1): Record<string, [string, number]> {
  return {
    [`url:http://198.51.100.41:81/${n}.bin`]: ['clear', 50],
    'ipv4:198.51.100.41': ['clear', 50],
    [`sha1:${sha1(`osint ${n}`)}`]: ['clear', 50],
    [`sha256:${sha256(`osint payload ${n}`)}`]: ['clear', 50],
    [`md5:${md5(`osint ${n}`)}`]: ['amber', 93],
    'ipv4:203.0.113.9': ['clear', 50],
    'domain:beacon.example.net': ['clear', 50],
    'ipv4:203.0.113.10': ['clear', 50],
    'domain:upd.cdn-mirror.example.com': ['clear', 50],
    'email:invoices@billing-notice.example.org': ['clear', 50],
    [`md5:${md5(`loader ${n}`)}`]: ['clear', 50],
    'domain:legacy-flag.example.com': ['clear', 50],
    [`sha256:${sha256(`setup ${n}`)}`]: ['clear', 50],
    [`md5:${md5(`object ${n}`)}`]: ['clear', 50],
    [`sha1:${sha1(`object ${n}`)}`]: ['clear', 50],
  };
}
/** Attributes of circlEvent not imported on purpose: to_ids off (ip-dst, link, "0", 5 object ones), deleted (one, and one in a deleted object), an x509 fingerprint. */
export const CIRCL_SKIPPED = 11;

/** A MISP feed's manifest.json: event uuid → the event's summary (Orgc, Tag, info, date …). */
export function mispManifest(events: Array<{ Event: Record<string, unknown> }>): string {
  return JSON.stringify(
    Object.fromEntries(events.map(({ Event: e }) => [e.uuid, { Orgc: e.Orgc, Tag: e.Tag, info: e.info, date: e.date, analysis: 2, threat_level_id: 1, timestamp: Number(e.timestamp) }])),
  );
}

/** MISP `attributes/restSearch` answer: `{"response": {"Attribute": [...]}}`, each attribute with its Event. */
export function mispAttributeSearch(): string {
  const event = { org_id: '1', distribution: '3', id: '17', info: 'Invented campaign', orgc_id: '2', uuid: uuid(60) };
  return JSON.stringify({ response: { Attribute: [{ ...attribute(61, 'domain', 'panel.example.org'), event_id: '17', Event: event }, { ...attribute(62, 'ip-dst|port', '192.0.2.61|443'), event_id: '17', Event: event }, { ...attribute(63, 'comment', 'context'), event_id: '17', Event: event }] } });
}

const stixTime = '2023-06-01T00:00:00.000Z';
const MITRE = 'identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5';
const MITRE_MARKING = 'marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168';

/** MITRE ATT&CK enterprise-attack.json as published in STIX 2.0 (spec_version on the bundle only, x_mitre_* properties, x-mitre-* objects). */
export function attackBundle20(): string {
  const common = { created_by_ref: MITRE, created: '2017-12-14T16:46:06.044Z', modified: '2023-04-20T18:39:57.281Z', object_marking_refs: [MITRE_MARKING] };
  return JSON.stringify({
    type: 'bundle',
    id: `bundle--${uuid(1)}`,
    spec_version: '2.0',
    objects: [
      { type: 'identity', id: MITRE, created: '2017-06-01T00:00:00.000Z', modified: '2017-06-01T00:00:00.000Z', name: 'The MITRE Corporation', identity_class: 'organization', object_marking_refs: [MITRE_MARKING] },
      { type: 'marking-definition', id: MITRE_MARKING, created: '2017-06-01T00:00:00Z', definition_type: 'statement', definition: { statement: 'Copyright 2015-2023, The MITRE Corporation.' } },
      { type: 'attack-pattern', id: `attack-pattern--${uuid(2)}`, ...common, name: 'Invented Technique', description: 'Adversaries may <code>do things</code>.', kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'persistence' }], external_references: [{ source_name: 'mitre-attack', url: 'https://attack.mitre.org/techniques/T9999', external_id: 'T9999' }], x_mitre_platforms: ['Linux', 'macOS'], x_mitre_data_sources: ['File: File Modification'], x_mitre_version: '1.2', x_mitre_is_subtechnique: false },
      { type: 'attack-pattern', id: `attack-pattern--${uuid(3)}`, ...common, name: 'Old Technique', revoked: true },
      { type: 'course-of-action', id: `course-of-action--${uuid(4)}`, ...common, name: 'Invented Mitigation', x_mitre_deprecated: true },
      { type: 'relationship', id: `relationship--${uuid(5)}`, ...common, relationship_type: 'mitigates', source_ref: `course-of-action--${uuid(4)}`, target_ref: `attack-pattern--${uuid(2)}` },
      { type: 'intrusion-set', id: `intrusion-set--${uuid(6)}`, ...common, name: 'Invented Group', aliases: ['Invented Group'] },
      { type: 'malware', id: `malware--${uuid(7)}`, ...common, name: 'InventedRAT', labels: ['malware'], x_mitre_aliases: ['InventedRAT'] },
      { type: 'tool', id: `tool--${uuid(8)}`, ...common, name: 'InventedTool', labels: ['tool'] },
      { type: 'x-mitre-tactic', id: `x-mitre-tactic--${uuid(9)}`, ...common, name: 'Persistence', x_mitre_shortname: 'persistence' },
      { type: 'x-mitre-matrix', id: `x-mitre-matrix--${uuid(10)}`, ...common, name: 'Enterprise ATT&CK', tactic_refs: [`x-mitre-tactic--${uuid(9)}`] },
    ],
  });
}
export const ATTACK20_SKIPPED = 9;

/** ATT&CK in STIX 2.1 (v13 on): spec_version on every object, an x-mitre-collection, data sources and components; no spec_version on the bundle. */
export function attackBundle21(): string {
  const common = { spec_version: '2.1', created_by_ref: MITRE, created: '2021-10-20T15:05:19.272Z', modified: '2023-10-02T00:45:00.000Z', object_marking_refs: [MITRE_MARKING], x_mitre_attack_spec_version: '3.2.0', x_mitre_modified_by_ref: MITRE, x_mitre_domains: ['enterprise-attack'] };
  return JSON.stringify({
    type: 'bundle',
    id: `bundle--${uuid(20)}`,
    objects: [
      { type: 'x-mitre-collection', id: `x-mitre-collection--${uuid(21)}`, ...common, name: 'Enterprise ATT&CK', x_mitre_version: '14.1', x_mitre_contents: [{ object_ref: `attack-pattern--${uuid(22)}`, object_modified: common.modified }] },
      { type: 'identity', id: MITRE, spec_version: '2.1', created: '2017-06-01T00:00:00.000Z', modified: '2017-06-01T00:00:00.000Z', name: 'The MITRE Corporation', identity_class: 'organization' },
      { type: 'marking-definition', id: MITRE_MARKING, spec_version: '2.1', created: '2017-06-01T00:00:00.000Z', definition_type: 'statement', definition: { statement: 'Copyright 2015-2023, The MITRE Corporation.' } },
      { type: 'attack-pattern', id: `attack-pattern--${uuid(22)}`, ...common, name: 'Invented Technique', kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'execution' }], x_mitre_detection: '', x_mitre_platforms: ['Windows'] },
      { type: 'x-mitre-data-source', id: `x-mitre-data-source--${uuid(23)}`, ...common, name: 'Process', x_mitre_collection_layers: ['Host'] },
      { type: 'x-mitre-data-component', id: `x-mitre-data-component--${uuid(24)}`, ...common, name: 'Process Creation', x_mitre_data_source_ref: `x-mitre-data-source--${uuid(23)}` },
      { type: 'campaign', id: `campaign--${uuid(25)}`, ...common, name: 'Invented Campaign', first_seen: '2022-01-01T00:00:00.000Z', last_seen: '2022-06-01T00:00:00.000Z', x_mitre_first_seen_citation: '(Citation: x)' },
      { type: 'relationship', id: `relationship--${uuid(26)}`, ...common, relationship_type: 'detects', source_ref: `x-mitre-data-component--${uuid(24)}`, target_ref: `attack-pattern--${uuid(22)}` },
    ],
  });
}
export const ATTACK21_SKIPPED = 6;

const TLP_WHITE_20 = 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9';

/** An OpenCTI export: v5 ids, OpenCTI's TLP markings ("TLP" in capitals), the indicator property extension, observables, two versions of one indicator. */
export function openctiBundle(): string {
  const ext = (score: number, type: string) => ({ 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba': { extension_type: 'property-extension', id: uuid(90), type: 'Indicator', created_at: stixTime, updated_at: stixTime, is_inferred: false, detection: true, score, main_observable_type: type } });
  const indicator = (n: number, pattern: string, extra: Record<string, unknown>) => ({ id: `indicator--${uuid(n, 5)}`, spec_version: '2.1', type: 'indicator', created: '2023-02-25T22:25:59.717Z', modified: '2023-11-02T16:33:20.409Z', confidence: 75, lang: 'en', labels: ['c2'], created_by_ref: `identity--${uuid(80, 5)}`, pattern_type: 'stix', valid_from: '2023-02-25T22:25:59.717Z', valid_until: '2024-02-25T22:25:59.717Z', pattern, ...extra });
  return JSON.stringify({
    type: 'bundle',
    id: `bundle--${uuid(79)}`,
    objects: [
      { id: `identity--${uuid(80, 5)}`, type: 'identity', spec_version: '2.1', name: 'Invented CSIRT', identity_class: 'organization', labels: ['identity'], created: stixTime, modified: stixTime, x_opencti_organization_type: 'CSIRT' },
      { id: `marking-definition--${uuid(81, 5)}`, type: 'marking-definition', spec_version: '2.1', definition_type: 'TLP', definition: { TLP: 'TLP:AMBER' }, created: stixTime, modified: stixTime },
      { id: TLP_WHITE_20, type: 'marking-definition', spec_version: '2.1', definition_type: 'TLP', definition: { TLP: 'TLP:WHITE' }, created: stixTime },
      { id: `marking-definition--${uuid(82, 5)}`, type: 'marking-definition', spec_version: '2.1', created: stixTime, extensions: { 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': { extension_type: 'property-extension', tlp_2_0: 'amber+strict' } } },
      indicator(83, "[domain-name:value = 'www.invented-teplo.com']", { name: 'www.invented-teplo.com', description: 'download location', object_marking_refs: [`marking-definition--${uuid(81, 5)}`], x_opencti_score: 80, x_opencti_detection: true, extensions: ext(80, 'Domain-Name') }),
      indicator(84, `[file:hashes.'SHA-256' = '${sha256('opencti old')}']`, { modified: '2023-03-01T00:00:00.000Z', object_marking_refs: [TLP_WHITE_20] }),
      indicator(84, `[file:hashes.'SHA-256' = '${sha256('opencti new')}']`, { object_marking_refs: [TLP_WHITE_20], extensions: ext(50, 'StixFile') }),
      indicator(85, 'rule Invented { condition: true }', { pattern_type: 'yara', modified: '2023-03-01T00:00:00.000Z' }),
      indicator(85, 'rule Invented { strings: $a = "x" condition: $a }', { pattern_type: 'yara' }),
      indicator(86, "[ipv4-addr:value = '192.0.2.86']", { object_marking_refs: [`marking-definition--${uuid(82, 5)}`] }),
      indicator(87, "[domain-name:value = 'revoked.example.com']", { revoked: true }),
      { id: `ipv4-addr--${uuid(88, 5)}`, type: 'ipv4-addr', spec_version: '2.1', value: '192.0.2.86', x_opencti_score: 50, extensions: { 'extension-definition--f93e2c80-4231-4f9a-af8b-95c9bd566a82': { extension_type: 'property-extension', score: 50 } } },
      { id: `relationship--${uuid(89)}`, type: 'relationship', spec_version: '2.1', relationship_type: 'based-on', source_ref: `indicator--${uuid(86, 5)}`, target_ref: `ipv4-addr--${uuid(88, 5)}`, created: stixTime, modified: stixTime },
      { type: 'sighting', spec_version: '2.1', id: `sighting--${uuid(91)}`, created: stixTime, modified: stixTime, sighting_of_ref: `indicator--${uuid(83, 5)}`, where_sighted_refs: [`identity--${uuid(80, 5)}`], count: 12, x_opencti_negative: true },
      { id: `report--${uuid(92)}`, type: 'report', spec_version: '2.1', name: 'Invented report', published: stixTime, created: stixTime, modified: stixTime, report_types: ['threat-report'], object_refs: [`indicator--${uuid(83, 5)}`], x_opencti_graph_data: 'eyJub2RlcyI6e319' },
      // A relationship exported without spec_version (OpenCTI's mitigates): read as STIX 2.0, not refused.
      { id: `relationship--${uuid(93)}`, type: 'relationship', relationship_type: 'mitigates', source_ref: `report--${uuid(92)}`, target_ref: `report--${uuid(92)}`, created: '2019-04-25T20:53:08.446Z', modified: '2019-07-24T14:18:49.366Z', confidence: 1 },
    ],
  });
}
/** value → TLP; the older version of indicator 84 and the revoked one yield nothing. */
export const OPENCTI_EXPECTED: Record<string, string | null> = { 'domain:www.invented-teplo.com': 'amber', [`sha256:${sha256('opencti new')}`]: 'clear', 'ipv4:192.0.2.86': 'amber+strict' };
/** The observable, two relationships, the sighting, the report; two older versions; the revoked indicator. */
export const OPENCTI_SKIPPED = 8;

/**
 * A STIX 2.1 indicator bundle as MISP (misp-stix), AlienVault-style and other exporters write it:
 * hash ORs, network-traffic references, domain|ip, file name beside hash, e-mail senders,
 * custom x_* properties, and patterns kept unsupported.
 */
export function indicatorBundle21(): string {
  const indicator = (n: number, pattern: string, extra: Record<string, unknown> = {}) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(n)}`, created_by_ref: `identity--${uuid(40)}`, created: '2020-10-25T16:22:00.000Z', modified: '2020-10-25T16:22:00.000Z', pattern, pattern_type: 'stix', pattern_version: '2.1', valid_from: '2020-10-25T16:22:00Z', kill_chain_phases: [{ kill_chain_name: 'misp-category', phase_name: 'Network activity' }], labels: ['misp:category="Network activity"', 'misp:to_ids="True"'], ...extra });
  return JSON.stringify({
    type: 'bundle',
    id: `bundle--${uuid(39)}`,
    objects: [
      { type: 'identity', spec_version: '2.1', id: `identity--${uuid(40)}`, created: '2020-10-25T16:22:00.000Z', modified: '2020-10-25T16:22:00.000Z', name: 'Invented MISP Org', identity_class: 'organization' },
      { type: 'grouping', spec_version: '2.1', id: `grouping--${uuid(41)}`, created_by_ref: `identity--${uuid(40)}`, created: '2020-10-25T16:22:00.000Z', modified: '2020-10-25T16:22:00.000Z', name: 'MISP event', context: 'suspicious-activity', object_refs: [`indicator--${uuid(42)}`], labels: ['Threat-Report', 'misp:tool="MISP-STIX-Converter"'] },
      indicator(42, `[file:hashes.'SHA-256' = '${sha256('alien a')}'] OR [file:hashes.MD5 = '${md5('alien a')}']`, { x_alienvault_pulse: 'invented', indicator_types: ['malicious-activity'] }),
      indicator(43, "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.43']", { labels: ['misp:type="ip-dst"'] }),
      indicator(44, "[network-traffic:src_ref.type = 'ipv6-addr' AND network-traffic:src_ref.value = '2001:db8::44' AND network-traffic:src_port = '1234']", { labels: ['misp:type="ip-src|port"'] }),
      indicator(45, "[url:value = 'https://login.example.com/verify?u=1']"),
      indicator(46, "[domain-name:value = 'circl-like.example.net' AND domain-name:x_misp_hostname = 'circl-like.example.net' AND domain-name:resolves_to_refs[*].value = '198.51.100.46' AND domain-name:x_misp_port = '8443']", { labels: ['misp:name="domain-ip"'] }),
      indicator(47, `[file:name = 'invoice.doc' AND file:hashes.'SHA-256' = '${sha256('alien doc')}' AND file:size = 25536]`, { labels: ['misp:type="filename|sha256"'] }),
      indicator(48, "[email-message:from_ref.value = 'hr@payroll-update.example.org']", { labels: ['misp:type="email-src"'] }),
      indicator(49, "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'sync.example.org' AND network-traffic:dst_port = 443]"),
      indicator(50, `[x509-certificate:hashes.'SHA-1' = '${sha1('certificate')}']`),
      indicator(51, 'title: Invented\ndetection:\n  condition: selection', { pattern_type: 'sigma' }),
      indicator(52, 'alert tcp any any -> any 443 (msg:"x"; sid:1;)', { pattern_type: 'snort' }),
      indicator(53, "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.53'] REPEATS 5 TIMES WITHIN 1800 SECONDS"),
      indicator(54, `[file:name = 'report.pdf'] OR [file:hashes.MD5 = '${md5('alien or')}']`),
      indicator(55, "[network-traffic:dst_ref.value = '198.51.100.0/24']"),
      { type: 'observed-data', spec_version: '2.1', id: `observed-data--${uuid(56)}`, created: '2020-10-25T16:22:00.000Z', modified: '2020-10-25T16:22:00.000Z', first_observed: '2020-10-25T16:22:00Z', last_observed: '2020-10-25T16:22:00Z', number_observed: 1, object_refs: [`file--${uuid(57)}`] },
      { type: 'file', spec_version: '2.1', id: `file--${uuid(57)}`, hashes: { 'SHA-512': sha256('x') + sha256('y') } },
    ],
  });
}
export const INDICATOR21_VALUES = [
  `sha256:${sha256('alien a')}`,
  `md5:${md5('alien a')}`,
  'ipv4:203.0.113.43',
  'ipv6:2001:db8::44',
  'url:https://login.example.com/verify?u=1',
  'domain:circl-like.example.net',
  'ipv4:198.51.100.46',
  `sha256:${sha256('alien doc')}`,
  'email:hr@payroll-update.example.org',
  'domain:sync.example.org',
];
/** Indicator ids (last two digits) kept unsupported. */
export const INDICATOR21_UNSUPPORTED = ['50', '51', '52', '53', '54', '55'];

/** STIX 2.0 as feeds still publish it: spec_version on the bundle, labels as indicator types, a 2.0 TLP marking of its own. */
export function stix20Bundle(): string {
  return JSON.stringify({
    type: 'bundle',
    id: `bundle--${uuid(70)}`,
    spec_version: '2.0',
    objects: [
      { type: 'identity', id: `identity--${uuid(71)}`, created: '2017-01-20T00:00:00.000Z', modified: '2017-01-20T00:00:00.000Z', name: 'Invented ISAC', identity_class: 'organization' },
      { type: 'marking-definition', id: `marking-definition--${uuid(72)}`, created: '2017-01-20T00:00:00.000Z', definition_type: 'tlp', definition: { tlp: 'amber' } },
      { type: 'indicator', id: `indicator--${uuid(73)}`, created_by_ref: `identity--${uuid(71)}`, created: '2017-01-20T00:00:00Z', modified: '2017-01-20T00:00:00Z', labels: ['malicious-activity'], name: 'Invented dropper', pattern: `[file:hashes.'SHA-256' = '${sha256('stix20')}'] OR [file:hashes.MD5 = '${md5('stix20')}']`, valid_from: '2017-01-20T00:00:00Z', object_marking_refs: [`marking-definition--${uuid(72)}`], kill_chain_phases: [{ kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' }] },
      { type: 'malware', id: `malware--${uuid(74)}`, created: '2017-01-20T00:00:00Z', modified: '2017-01-20T00:00:00Z', name: 'Invented', labels: ['trojan'] },
      { type: 'relationship', id: `relationship--${uuid(75)}`, created: '2017-01-20T00:00:00Z', modified: '2017-01-20T00:00:00Z', relationship_type: 'indicates', source_ref: `indicator--${uuid(73)}`, target_ref: `malware--${uuid(74)}` },
    ],
  });
}
