import { scenarioTarget } from './drills.js';
import { egressHostTarget } from './egress-hosts.js';
import { egressAlertKeysTarget } from './egress-alerts.js';
import { egressTargets } from './egress.js';
import { evidenceTarget } from './evidence.js';
import { httpTarget } from './http.js';
import { icapTarget } from './icap.js';
import { authenticodeTarget, sigstoreTarget } from './integrity.js';
import { mentionsTarget } from './mentions.js';
import { notificationTemplateTarget } from './notifications.js';
import { oscalTarget } from './oscal.js';
import { parserTargets } from './parsers.js';
import { piiTarget } from './pii.js';
import { expressionTarget, playbookYamlTarget } from './playbooks.js';
import { templateImportTarget } from './questionnaires.js';
import type { Target } from './target.js';

/** Every fuzz target, parsers first; names are what `npm run fuzz -- <name>` selects. */
export function allTargets(): Target<unknown>[] {
  return [...parserTargets(), mentionsTarget(), templateImportTarget(), expressionTarget(), playbookYamlTarget(), scenarioTarget(), notificationTemplateTarget(), oscalTarget(), evidenceTarget(), authenticodeTarget(), sigstoreTarget(), icapTarget(), piiTarget(), ...egressTargets(), egressHostTarget(), egressAlertKeysTarget(), httpTarget()] as Target<unknown>[];
}
