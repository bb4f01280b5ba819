// Fuzz target for egress attribution's host splitting (what every egress event's host and every
// triage path parameter go through): hostParts never throws, and destinationName rejects only with
// AppError. Contracts: the destination is the host or one of the names it is matched under, every
// such name ends with the destination, and the lists stay bounded by the host's labels.
import { AppError } from '../../src/platform/errors.js';
import { hostParts } from '../../src/modules/egress/attribution.js';
import { destinationName } from '../../src/modules/egress/destinations.service.js';
import { grammarString } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const SEEDS = ['api.eu.example.co.uk', 'alice.github.io', 'bucket.s3.amazonaws.com', '203.0.113.5', '[2001:db8::1]', 'co.uk', 'intranet', 'xn--bcher-kva.example', 'files.slack.com.', 'WWW.Example.COM'];
const PIECES = ['.', '..', '-', '[', ']', ':', 'xn--', 'co.uk', 'github.io', 'com', 'a', '0', '255.', '::', '%2e', ' ', '\u0000', 'ü', '*.', '@', '/'];

function check(input: string) {
  return expectOnly(() => {
    const parts = hostParts(input);
    if (typeof parts.destination !== 'string') throw new Crash('no destination');
    if (parts.owned.length && !parts.owned.includes(parts.destination)) throw new Crash(`destination ${parts.destination} is not among the owned names`);
    for (const name of [...parts.owned, ...parts.hosting]) {
      if (!(name === parts.destination || name.endsWith(`.${parts.destination}`) || parts.destination.endsWith(`.${name}`))) throw new Crash(`${name} is unrelated to ${parts.destination}`);
    }
    if (parts.owned.length + parts.hosting.length > parts.host.split('.').length) throw new Crash('more names than labels');
    destinationName(input);
  }, AppError);
}

export function egressHostTarget(): Target<string> {
  return { name: 'egress-host', kind: 'parser', inputs: async () => grammarString(SEEDS, PIECES), open: async () => ({ check }) };
}
