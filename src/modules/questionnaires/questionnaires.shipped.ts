import type { Question, QuestionType, Section } from './questionnaires.model.js';

/**
 * The templates Thirdwatch ships: our own plain-language questions, each mapped to SP 800-53 rev5
 * control labels (the SR family and the controls SP 800-161r1 leans on). Changing one here makes a
 * new version of it at the next start (QuestionnaireService.syncShipped); assessments already
 * sent keep the version they were sent with.
 */
export interface ShippedTemplate {
  key: string;
  name: string;
  description: string;
  sections: Section[];
}

type Extra = Omit<Question, 'id' | 'type' | 'text' | 'controls' | 'weight' | 'required'>;

const q = (id: string, type: QuestionType, text: string, controls: string[], weight: number, required: boolean, extra: Extra = {}): Question => ({
  id,
  text,
  type,
  controls,
  weight,
  required,
  ...extra,
});
const when = (questionId: string, anyOf: string[] = ['yes', 'partial']) => ({ showWhen: { questionId, anyOf } });

const supplyChainBaseline: ShippedTemplate = {
  key: 'supply-chain-baseline',
  name: 'Supply-chain security baseline',
  description: 'How the supplier manages the risks of its own supply chain: policy and plan, provenance, acquisition, notification agreements, tamper resistance, component authenticity, inspection and disposal (SP 800-53 SR family).',
  sections: [
    {
      title: 'Governance',
      description: 'Who owns supply-chain risk and how it is written down.',
      questions: [
        q('scrm-policy', 'yesno', 'Do you have a written supply-chain risk management policy and procedures, reviewed at least once a year?', ['SR-1'], 3, true),
        q('scrm-policy-file', 'file', 'Upload the policy, or its table of contents if the policy itself is confidential.', ['SR-1'], 1, false, when('scrm-policy')),
        q('scrm-plan', 'yesno', 'Do you keep a supply-chain risk management plan that covers the products and services you deliver to us?', ['SR-2'], 3, true),
        q('scrm-plan-reviewed', 'date', 'When was that plan last reviewed?', ['SR-2'], 1, true, { ...when('scrm-plan'), compliant: { withinDays: 365 } }),
        q('scrm-team', 'yesno', 'Is a named team or role accountable for supply-chain risk, with people from security, purchasing and engineering?', ['SR-2(1)'], 2, true),
        q('supply-chain-confidential', 'yesno', 'Do you keep details of your supply chain (suppliers, delivery routes, volumes) on a need-to-know basis so attackers cannot use them?', ['SR-7'], 1, false),
      ],
    },
    {
      title: 'Suppliers and provenance',
      description: 'What goes into what you deliver to us, and where it comes from.',
      questions: [
        q('supplier-inventory', 'yesno', 'Do you keep an up-to-date list of the suppliers and components that go into what you deliver to us?', ['SR-4', 'CM-8'], 3, true),
        q('provenance-records', 'yesno', 'Do you record where critical components come from (provenance) and keep those records for as long as the components are in use?', ['SR-4', 'SR-4(1)', 'SR-4(2)'], 3, true),
        q('supplier-assessment', 'choice', 'How do you check your own suppliers?', ['SR-6'], 3, true, {
          options: ['We do not check them', 'A questionnaire when we start working with them', 'A questionnaire and regular reviews', 'Regular reviews with on-site or independent audits'],
          compliant: { anyOf: ['A questionnaire and regular reviews', 'Regular reviews with on-site or independent audits'] },
        }),
        q('supplier-assessment-evidence', 'file', 'Upload a recent supplier review or audit summary (one is enough).', ['SR-6'], 1, false, when('supplier-assessment', ['A questionnaire and regular reviews', 'Regular reviews with on-site or independent audits'])),
        q('acquisition-practices', 'multichoice', 'Which of these buying practices do you use to reduce supply-chain risk?', ['SR-5', 'SR-5(1)', 'SR-5(2)'], 3, true, {
          options: ['An approved-supplier list', 'More than one source for critical components', 'Security requirements in supplier contracts', 'Buying only from original manufacturers or authorised resellers', 'A security review before a new supplier or component is used'],
          compliant: { anyOf: ['An approved-supplier list', 'More than one source for critical components', 'Security requirements in supplier contracts', 'Buying only from original manufacturers or authorised resellers', 'A security review before a new supplier or component is used'] },
        }),
        q('alternate-suppliers', 'yesno', 'For the components that matter most to what you deliver to us, could you switch to another supplier?', ['SR-3(1)'], 2, true),
        q('flow-down', 'yesno', 'Do you pass our security requirements on to the subcontractors who handle our data or build what you deliver?', ['SR-3', 'SR-3(3)', 'SA-4'], 2, true),
      ],
    },
    {
      title: 'Notification agreements',
      questions: [
        q('supplier-notification', 'yesno', 'Do your contracts with your suppliers require them to tell you about compromises, vulnerabilities and assessment results that could affect what you deliver to us?', ['SR-8'], 3, true),
        q('pass-on-notifications', 'yesno', 'Will you pass those notifications on to us when they affect our data or services?', ['SR-8', 'IR-6(3)'], 3, true),
      ],
    },
    {
      title: 'Component integrity',
      description: 'Keeping tampered, counterfeit and leftover components out.',
      questions: [
        q('tamper-protection', 'yesno', 'Do you protect what you ship against tampering in transit and in storage (tamper-evident packaging, signed packages, checked hashes)?', ['SR-9', 'SR-9(1)'], 2, true),
        q('inspection', 'choice', 'How often do you inspect systems or components for signs of tampering?', ['SR-10'], 2, true, {
          options: ['Never', 'Only when we suspect a problem', 'When each delivery arrives', 'On arrival and at regular intervals'],
          compliant: { anyOf: ['When each delivery arrives', 'On arrival and at regular intervals'] },
        }),
        q('anti-counterfeit', 'yesno', 'Do you have a procedure to detect counterfeit components and keep them out of what you deliver?', ['SR-11'], 3, true),
        q('counterfeit-reporting', 'yesno', 'When you find a counterfeit component, do you report it to the manufacturer, to affected customers and, where required, to authorities?', ['SR-11'], 2, false, when('anti-counterfeit')),
        q('counterfeit-training', 'yesno', 'Are the people who buy, receive or repair components trained to spot counterfeits?', ['SR-11(1)'], 1, false),
        q('authorised-repair', 'yesno', 'Are components serviced and repaired only by the manufacturer or authorised repairers?', ['SR-11(2)'], 1, false),
        q('disposal', 'yesno', 'When components that held our data leave service, are they wiped or destroyed, with a record kept?', ['SR-12', 'MP-6'], 2, true),
        q('disposal-method', 'text', 'Describe how such components are wiped or destroyed, and who does it.', ['SR-12'], 1, false, when('disposal')),
      ],
    },
  ],
};

const softwareSupplier: ShippedTemplate = {
  key: 'software-supplier',
  name: 'Software supplier',
  description: 'For suppliers whose software we run: secure development, software bills of materials, code signing, update integrity, vulnerability disclosure and build provenance.',
  sections: [
    {
      title: 'Secure development',
      questions: [
        q('secure-development', 'yesno', 'Do you follow a written secure development process for the software you deliver to us?', ['SA-15', 'SA-8'], 3, true),
        q('development-framework', 'choice', 'Which framework is that process based on?', ['SA-15'], 0, false, {
          ...when('secure-development'),
          options: ['NIST SSDF (SP 800-218)', 'OWASP SAMM', 'BSIMM', 'ISO/IEC 27034', 'Our own'],
        }),
        q('design-principles', 'yesno', 'Do you apply security design principles such as least privilege, secure defaults and defence in depth?', ['SA-8'], 2, true),
        q('security-testing', 'multichoice', 'Which security tests run before a release?', ['SA-11', 'SA-11(1)', 'SA-11(8)', 'SA-15'], 3, true, {
          options: ['Static code analysis', 'Analysis of third-party dependencies', 'Dynamic testing of the running application', 'Manual review of security-relevant changes', 'A penetration test at least once a year'],
          compliant: { anyOf: ['Static code analysis', 'Analysis of third-party dependencies', 'Dynamic testing of the running application', 'Manual review of security-relevant changes', 'A penetration test at least once a year'] },
        }),
        q('change-control', 'yesno', 'Is every change to the source code reviewed by a second person and tracked in version control with protected branches?', ['SA-10', 'CM-3'], 2, true),
        q('developer-training', 'yesno', 'Do your developers get secure coding training at least once a year?', ['AT-3'], 1, false),
        q('pentest-date', 'date', 'When was the product last penetration tested?', ['CA-8'], 1, false, { compliant: { withinDays: 365 } }),
        q('pentest-summary', 'file', 'Upload the summary of that penetration test.', ['CA-8'], 1, false),
      ],
    },
    {
      title: 'Software bill of materials',
      questions: [
        q('publishes-sbom', 'yesno', 'Do you publish SBOMs (software bills of materials) for the software you deliver to us?', ['SR-4', 'CM-8'], 3, true, { tags: ['publishes-sbom'] }),
        q('sbom-format', 'choice', 'In which format?', ['SR-4'], 1, true, {
          ...when('publishes-sbom'),
          options: ['CycloneDX', 'SPDX', 'Both', 'Another format'],
          compliant: { anyOf: ['CycloneDX', 'SPDX', 'Both'] },
        }),
        q('sbom-frequency', 'choice', 'When do you produce a new SBOM?', ['SR-4'], 1, true, {
          ...when('publishes-sbom'),
          options: ['With every release', 'With major releases', 'Only on request'],
          compliant: { anyOf: ['With every release'] },
        }),
        q('sbom', 'sbom', 'Upload the current SBOM of the product you deliver to us.', ['SR-4', 'CM-8'], 3, true, when('publishes-sbom')),
      ],
    },
    {
      title: 'Release and update integrity',
      questions: [
        q('signs-releases', 'yesno', 'Do you sign your releases and updates (code signing, signed packages or Sigstore)?', ['SI-7', 'SI-7(15)', 'SR-4(3)'], 3, true, { tags: ['signs-releases'] }),
        q('signing-keys', 'choice', 'How are the signing keys protected?', ['SI-7(15)', 'SC-12'], 2, true, {
          ...when('signs-releases'),
          options: ['In a hardware security module or cloud key service', 'Keyless signing (Sigstore)', 'In an encrypted file on a build server', 'On developer machines'],
          compliant: { anyOf: ['In a hardware security module or cloud key service', 'Keyless signing (Sigstore)'] },
        }),
        q('update-verification', 'yesno', 'Does the product check the signature of every update before installing it?', ['SI-7', 'SI-7(6)', 'SI-7(15)'], 3, true),
        q('build-provenance', 'yesno', 'Do you produce build provenance for your releases (for example SLSA provenance or in-toto attestations)?', ['SR-4(3)', 'SR-11', 'SA-10'], 2, true),
        q('slsa-level', 'choice', 'What SLSA build level do your releases reach?', ['SR-4(3)'], 1, false, {
          ...when('build-provenance'),
          options: ['None yet', 'Build L1', 'Build L2', 'Build L3'],
          compliant: { anyOf: ['Build L2', 'Build L3'] },
        }),
        q('build-isolation', 'yesno', 'Do builds run on isolated, short-lived build machines that no one changes by hand?', ['SA-15', 'SR-4(3)'], 2, true),
      ],
    },
    {
      title: 'Vulnerability handling',
      questions: [
        q('vulnerability-disclosure', 'yesno', 'Do you run a public vulnerability disclosure programme (a published security contact and policy, or security.txt)?', ['RA-5(11)'], 3, true),
        q('disclosure-location', 'text', 'Where is it published (web address or e-mail)?', ['RA-5(11)'], 1, true, when('vulnerability-disclosure')),
        q('critical-fix-days', 'number', 'Within how many days do you ship a fix for a critical vulnerability in your product?', ['SI-2', 'RA-5'], 2, true, { unit: 'days', compliant: { max: 30 } }),
        q('customer-advisories', 'choice', 'How do you tell customers about vulnerabilities in your product?', ['SI-5', 'SR-8'], 2, true, {
          options: ['Machine-readable advisories (CSAF or VEX)', 'Advisories on a web page or mailing list', 'Only when asked', 'We do not'],
          compliant: { anyOf: ['Machine-readable advisories (CSAF or VEX)', 'Advisories on a web page or mailing list'] },
        }),
      ],
    },
  ],
};

const businessResilience: ShippedTemplate = {
  key: 'business-resilience',
  name: 'Business resilience and continuity',
  description: 'Recovery targets per service the supplier delivers to us, continuity plans and their tests, crisis contacts, and the supplier\'s own critical suppliers.',
  sections: [
    {
      title: 'Recovery targets',
      description: 'One value per business service you deliver to us, in hours. We compare them with our own targets.',
      questions: [
        q('rto', 'number', 'Recovery time objective: within how many hours do you restore each service after a disruption?', ['CP-2', 'CP-10'], 3, true, { unit: 'hours', perService: true, tags: ['rto'] }),
        q('rpo', 'number', 'Recovery point objective: at most how many hours of data could be lost for each service?', ['CP-9', 'CP-10'], 3, true, { unit: 'hours', perService: true, tags: ['rpo'] }),
        q('mtd', 'number', 'Maximum tolerable downtime: after how many hours without each service would the harm be unacceptable, as your plans assume?', ['CP-2'], 2, true, { unit: 'hours', perService: true, tags: ['mtd'] }),
      ],
    },
    {
      title: 'Continuity plans and tests',
      questions: [
        q('continuity-plan', 'yesno', 'Do you have a business continuity and disaster recovery plan that covers the services you deliver to us?', ['CP-2'], 3, true),
        q('plan-covers-suppliers', 'yesno', 'Does the plan cover the failure of your own critical suppliers?', ['CP-2', 'SR-2'], 2, true, when('continuity-plan')),
        q('bcp-test-date', 'date', 'When did you last test the plan (an exercise or a real failover)?', ['CP-4'], 3, true, { ...when('continuity-plan'), compliant: { withinDays: 365 }, tags: ['bcp-test-date'] }),
        q('bcp-test-result', 'choice', 'What was the result of that test?', ['CP-4'], 3, true, {
          ...when('continuity-plan'),
          options: ['All recovery targets met', 'Some recovery targets met', 'Recovery targets not met'],
          compliant: { anyOf: ['All recovery targets met'] },
          tags: ['bcp-test-result'],
        }),
        q('bcp-test-report', 'file', 'Upload the summary of that test.', ['CP-4'], 1, false, when('continuity-plan')),
        q('backup-protection', 'multichoice', 'How are backups of our data protected?', ['CP-9', 'CP-9(1)', 'CP-9(8)'], 3, true, {
          options: ['Copies kept in a separate location', 'An immutable or offline copy', 'Encrypted', 'Restores tested at least once a year'],
          compliant: { anyOf: ['Copies kept in a separate location', 'An immutable or offline copy', 'Encrypted', 'Restores tested at least once a year'] },
        }),
        q('alternate-site', 'yesno', 'Can the services move to an alternate processing site or region?', ['CP-7'], 2, true),
        q('hosting', 'multichoice', 'Where do the services you deliver to us run?', ['CP-7'], 0, false, {
          options: ['Our own data centres', 'Colocation', 'Public cloud, one region', 'Public cloud, several regions'],
        }),
      ],
    },
    {
      title: 'Crisis contacts',
      questions: [
        q('crisis-contact', 'text', 'Who do we call during a crisis? Give a name or role, a phone number answered at any hour and an e-mail address.', ['CP-2', 'IR-7'], 2, true, { tags: ['crisis-contact'] }),
        q('crisis-contact-confirmed', 'date', 'When did you last confirm those contact details?', ['CP-2'], 1, false, { compliant: { withinDays: 180 } }),
      ],
    },
    {
      title: 'Your critical suppliers',
      questions: [
        q('fourth-parties', 'text', 'List your own suppliers without which you could not deliver the services to us, one per line: name, what they provide, and in which country.', ['SR-2', 'SR-3', 'CP-2'], 2, true, { tags: ['fourth-parties'] }),
        q('fourth-party-continuity', 'yesno', 'Have you checked the continuity arrangements of those suppliers?', ['SR-6', 'CP-2'], 2, true),
      ],
    },
  ],
};

const incidentNotification: ShippedTemplate = {
  key: 'incident-notification',
  name: 'Incident notification',
  description: 'How fast and through which path the supplier tells us about incidents that affect our data or services, and how it handles them.',
  sections: [
    {
      title: 'Notification commitment',
      questions: [
        q('notify-hours', 'number', 'Within how many hours of detecting an incident that affects our data or services do you commit to notify us?', ['IR-6', 'IR-6(3)', 'SR-8'], 3, true, { unit: 'hours', compliant: { max: 24 }, tags: ['notify-hours'] }),
        q('breach-notify-hours', 'number', 'Within how many hours of detecting a breach of personal data we entrust to you do you notify us?', ['IR-6', 'SR-8'], 2, true, { unit: 'hours', compliant: { max: 72 } }),
        q('notify-in-contract', 'yesno', 'Is that commitment written into our contract?', ['SR-8'], 2, true),
        q('notify-channels', 'multichoice', 'Through which channels will you notify us?', ['IR-6'], 0, true, {
          options: ['E-mail to our security contact', 'Phone call', 'A ticket in our service desk', 'Your status page'],
        }),
        q('notify-contact', 'text', 'Who in your organisation sends the notification and answers our questions (name or role, e-mail, phone)?', ['IR-6(3)', 'IR-7'], 2, true, { tags: ['notify-contact'] }),
      ],
    },
    {
      title: 'Incident handling',
      questions: [
        q('incident-plan', 'yesno', 'Do you have an incident response plan that includes telling affected customers?', ['IR-8'], 3, true),
        q('incident-plan-exercised', 'date', 'When did you last exercise that plan?', ['IR-3'], 1, false, { ...when('incident-plan'), compliant: { withinDays: 365 } }),
        q('incident-plan-file', 'file', 'Upload the plan or its summary.', ['IR-8'], 1, false, when('incident-plan')),
        q('round-the-clock', 'yesno', 'Can you detect, contain and investigate incidents at any hour, every day?', ['IR-4'], 2, true),
        q('supplier-incidents', 'yesno', 'Does your incident handling cover incidents at your own suppliers that affect us, and will you pass them on?', ['IR-4(10)', 'IR-6(3)', 'SR-8'], 2, true),
        q('post-incident-report', 'choice', 'After an incident that affected us, what do you share with us?', ['IR-4', 'IR-6'], 2, true, {
          options: ['A full root-cause report', 'A summary of the cause and the fixes', 'Nothing unless asked'],
          compliant: { anyOf: ['A full root-cause report', 'A summary of the cause and the fixes'] },
        }),
      ],
    },
  ],
};

export const SHIPPED_TEMPLATES: readonly ShippedTemplate[] = [supplyChainBaseline, softwareSupplier, businessResilience, incidentNotification];
