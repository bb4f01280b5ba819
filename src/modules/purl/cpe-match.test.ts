import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCpe } from './cpe.js';
import { cpeKey, cpeNameMatches, evaluateCpeEntry, type CpeCriterion, type CpeEntryPayload } from './cpe-match.js';

function matches(source: string, target: string): boolean {
  return cpeNameMatches(parseCpe(source), parseCpe(target));
}

function entry(criterion: Partial<CpeCriterion> & { criteria: string }, platforms: Array<Array<Partial<CpeCriterion> & { criteria: string }>> | null = null): CpeEntryPayload {
  return {
    type: 'CPE',
    criterion: { vulnerable: true, ...criterion },
    platforms: platforms ? platforms.map((node) => node.map((c) => ({ vulnerable: false, ...c }))) : null,
  };
}

function evaluate(e: CpeEntryPayload, target: string, platforms: string[] | null = null): string {
  return evaluateCpeEntry(e, parseCpe(target), platforms ? platforms.map(parseCpe) : null);
}

describe('cpeNameMatches (NISTIR 7696)', () => {
  test('ANY in the source is a superset of everything, ANY in the target is not within a value', () => {
    assert.equal(matches('cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*', 'cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*', 'cpe:2.3:a:apache:log4j:-:-:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*', 'cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*'), false);
    assert.equal(matches('cpe:2.3:*:*:*:*:*:*:*:*:*:*:*', 'cpe:2.3:o:linux:linux_kernel:5.10:*:*:*:*:*:*:*'), true);
  });

  test('NA equals only NA', () => {
    assert.equal(matches('cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*', 'cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*', 'cpe:2.3:o:microsoft:windows_10:1809:*:*:*:*:*:*:*'), false);
    assert.equal(matches('cpe:2.3:o:microsoft:windows_10:1809:*:*:*:*:*:*:*', 'cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*'), false);
  });

  test('every attribute takes part, target_sw included', () => {
    const windows = 'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:windows:*:*';
    assert.equal(matches(windows, 'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:windows:*:*'), true);
    assert.equal(matches(windows, 'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:macos:*:*'), false);
    assert.equal(matches(windows, 'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:*:*:*'), false);
    assert.equal(matches('cpe:2.3:a:v:p:1:*:*:*:*:*:x64:*', 'cpe:2.3:a:v:p:1:*:*:*:*:*:x86:*'), false);
    assert.equal(matches('cpe:2.3:a:v:p:1:*:*:en:*:*:*:*', 'cpe:2.3:a:v:p:1:*:*:en:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:o:v:p:1:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:1:*:*:*:*:*:*:*'), false);
    assert.equal(matches('cpe:2.3:a:v:p:1:*:*:*:*:*:*:beta', 'cpe:2.3:a:v:p:1:*:*:*:*:*:*:*'), false);
  });

  test('wildcards: * is any run, each ? at most one character, at the start or the end', () => {
    assert.equal(matches('cpe:2.3:a:v:p:1.2.*:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:1.2.14:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:v:p:1.2.*:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:1.3.0:*:*:*:*:*:*:*'), false);
    assert.equal(matches('cpe:2.3:a:*soft:p:1:*:*:*:*:*:*:*', 'cpe:2.3:a:microsoft:p:1:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:v:p:1.?:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:1.5:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:v:p:1.?:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:1.:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:v:p:1.?:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:1.55:*:*:*:*:*:*:*'), false);
    assert.equal(matches('cpe:2.3:a:v:p:??1:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:101:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:v:p:??1:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:1001:*:*:*:*:*:*:*'), false);
    // A wildcard in the target makes the relation undefined: not a match.
    assert.equal(matches('cpe:2.3:a:v:p:1.2.*:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p:1.2.*:*:*:*:*:*:*:*'), false);
  });

  test('escaped characters are literals, compared as one character', () => {
    assert.equal(matches('cpe:2.3:a:don_ho:notepad\\+\\+:8.1:*:*:*:*:*:*:*', 'cpe:/a:don_ho:notepad%2b%2b:8.1'), true);
    assert.equal(matches('cpe:2.3:a:v:p\\*:1:*:*:*:*:*:*:*', 'cpe:2.3:a:v:px:1:*:*:*:*:*:*:*'), false);
    assert.equal(matches('cpe:2.3:a:v:p\\*:1:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p\\*:1:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:v:p?:1:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p\\*:1:*:*:*:*:*:*:*'), true);
    assert.equal(matches('cpe:2.3:a:v:p?:1:*:*:*:*:*:*:*', 'cpe:2.3:a:v:p\\*\\*:1:*:*:*:*:*:*:*'), false);
    assert.equal(matches('cpe:2.3:a:foo\\:bar:p:1:*:*:*:*:*:*:*', 'cpe:2.3:a:FOO\\:BAR:p:1:*:*:*:*:*:*:*'), true);
  });
});

describe('evaluateCpeEntry', () => {
  test('an exact version criterion: the 3CX DesktopApp releases', () => {
    const e = entry({ criteria: 'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:windows:*:*' });
    assert.equal(evaluate(e, 'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:*:*:*'), 'affected');
    assert.equal(evaluate(e, 'cpe:2.3:a:3cx:3cx:18.12.416.0:*:*:*:*:windows:*:*'), 'affected');
    assert.equal(evaluate(e, 'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:macos:*:*'), 'not_affected');
    assert.equal(evaluate(e, 'cpe:2.3:a:3cx:3cx:18.12.425:*:*:*:*:*:*:*'), 'not_affected');
    assert.equal(evaluate(e, 'cpe:2.3:a:3cx:3cx:*:*:*:*:*:*:*:*'), 'indeterminate');
    assert.equal(evaluate(e, 'cpe:2.3:a:3cx:other:18.12.416:*:*:*:*:*:*:*'), 'not_affected');
  });

  test('version bounds, each kind', () => {
    const e = entry({ criteria: 'cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*', versionStartIncluding: '1.1.1', versionEndExcluding: '1.1.1t' });
    const at = (v: string) => evaluate(e, `cpe:2.3:a:openssl:openssl:${v}:*:*:*:*:*:*:*`);
    assert.equal(at('1.1.1'), 'affected');
    assert.equal(at('1.1.1s'), 'affected');
    assert.equal(at('1.1.1t'), 'not_affected');
    assert.equal(at('1.1.0l'), 'not_affected');
    assert.equal(at('3.0.0'), 'not_affected');
    assert.equal(at('*'), 'indeterminate');
    assert.equal(at('-'), 'indeterminate');
    const excl = entry({ criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*', versionStartExcluding: '2.0', versionEndIncluding: '2.5' });
    assert.equal(evaluate(excl, 'cpe:2.3:a:v:p:2.0:*:*:*:*:*:*:*'), 'not_affected');
    assert.equal(evaluate(excl, 'cpe:2.3:a:v:p:2.0.1:*:*:*:*:*:*:*'), 'affected');
    assert.equal(evaluate(excl, 'cpe:2.3:a:v:p:2.5.0:*:*:*:*:*:*:*'), 'affected');
    assert.equal(evaluate(excl, 'cpe:2.3:a:v:p:2.5.1:*:*:*:*:*:*:*'), 'not_affected');
  });

  test('a recorded update takes part in the version order', () => {
    const e = entry({ criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*', versionEndExcluding: '2.0' });
    assert.equal(evaluate(e, 'cpe:2.3:a:v:p:2.0:rc1:*:*:*:*:*:*'), 'affected');
    assert.equal(evaluate(e, 'cpe:2.3:a:v:p:2.0:sp1:*:*:*:*:*:*'), 'not_affected');
  });

  test('a bound that is not orderable cannot tell', () => {
    const e = entry({ criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*', versionEndExcluding: 'unspecified' });
    assert.equal(evaluate(e, 'cpe:2.3:a:v:p:1.0:*:*:*:*:*:*:*'), 'indeterminate');
  });

  test('no version in the criterion: every version', () => {
    assert.equal(evaluate(entry({ criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*' }), 'cpe:2.3:a:v:p:7:*:*:*:*:*:*:*'), 'affected');
  });

  test('running-on platforms narrow only when the OS is recorded', () => {
    const e = entry({ criteria: 'cpe:2.3:a:v:app:*:*:*:*:*:*:*:*', versionEndExcluding: '3.0' }, [
      [{ criteria: 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*' }, { criteria: 'cpe:2.3:o:apple:macos:*:*:*:*:*:*:*:*', versionEndExcluding: '13' }],
    ]);
    const app = 'cpe:2.3:a:v:app:2.1:*:*:*:*:*:*:*';
    assert.equal(evaluate(e, app), 'affected');
    assert.equal(evaluate(e, app, []), 'affected');
    assert.equal(evaluate(e, app, ['cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*']), 'affected');
    assert.equal(evaluate(e, app, ['cpe:2.3:o:apple:macos:12.6:*:*:*:*:*:*:*']), 'affected');
    assert.equal(evaluate(e, app, ['cpe:2.3:o:apple:macos:14.1:*:*:*:*:*:*:*']), 'not_affected');
    assert.equal(evaluate(e, app, ['cpe:2.3:o:linux:linux_kernel:6.1:*:*:*:*:*:*:*']), 'not_affected');
    assert.equal(evaluate(e, app, ['cpe:2.3:o:linux:linux_kernel:6.1:*:*:*:*:*:*:*', 'cpe:2.3:o:apple:macos:*:*:*:*:*:*:*:*']), 'affected');
    assert.equal(evaluate(e, 'cpe:2.3:a:v:app:3.1:*:*:*:*:*:*:*', ['cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*']), 'not_affected');
  });

  test('an unparseable criterion matches nothing', () => {
    assert.equal(evaluate(entry({ criteria: 'cpe:2.3:z:v:p' }), 'cpe:2.3:a:v:p:1:*:*:*:*:*:*:*'), 'not_affected');
  });
});

test('cpeKey is vendor:product of the logical values', () => {
  assert.equal(cpeKey(parseCpe('cpe:2.3:a:3CX:3CX:18.12.416:*:*:*:*:windows:*:*')), '3cx:3cx');
  assert.equal(cpeKey(parseCpe('cpe:2.3:a:don_ho:notepad\\+\\+:8.1:*:*:*:*:*:*:*')), 'don_ho:notepad++');
  assert.equal(cpeKey(parseCpe('cpe:/a:google:chrome:102.0.5005.61')), 'google:chrome');
});
