import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CpeError, formatCpe, parseCpe, tryParseCpe, type Cpe } from './cpe.js';
import { cpuMs } from '../../../test/support/cpu-time.js';

const ANY_CPE: Cpe = {
  part: '*',
  vendor: '*',
  product: '*',
  version: '*',
  update: '*',
  edition: '*',
  language: '*',
  swEdition: '*',
  targetSw: '*',
  targetHw: '*',
  other: '*',
};

function cpe(fields: Partial<Cpe>): Cpe {
  return { ...ANY_CPE, ...fields };
}

describe('2.3 formatted string', () => {
  test('parses every attribute in order', () => {
    assert.deepEqual(
      parseCpe('cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:ed:en-us:swe:tsw:thw:oth'),
      { part: 'a', vendor: 'microsoft', product: 'internet_explorer', version: '8.0.6001', update: 'beta', edition: 'ed', language: 'en-us', swEdition: 'swe', targetSw: 'tsw', targetHw: 'thw', other: 'oth' },
    );
  });

  test('removes quoting and keeps escaped separators inside their attribute', () => {
    const parsed = parseCpe('cpe:2.3:a:foo\\:bar:notepad\\+\\+:1\\.0:*:*:*:*:*:*:*');
    assert.equal(parsed.vendor, 'foo:bar');
    assert.equal(parsed.product, 'notepad++');
    assert.equal(parsed.version, '1.0');
  });

  test('quotes only what the binding requires', () => {
    assert.equal(formatCpe(cpe({ part: 'a', vendor: 'foo:bar', product: 'notepad++', version: '1.0-rc_1' })), 'cpe:2.3:a:foo\\:bar:notepad\\+\\+:1.0-rc_1:*:*:*:*:*:*:*');
    assert.equal(formatCpe(cpe({ part: 'a', vendor: 'a/b', product: 'c@d', version: '~1!' })), 'cpe:2.3:a:a\\/b:c\\@d:\\~1\\!:*:*:*:*:*:*:*');
  });

  test('round-trips the canonical form, dropping unnecessary quotes', () => {
    for (const input of [
      'cpe:2.3:a:foo\\:bar:notepad\\+\\+:1.0:*:*:*:*:*:*:*',
      'cpe:2.3:o:linux:linux_kernel:5.10:-:*:*:*:*:x64:*',
      'cpe:2.3:a:vendor:product:1.\\*:*:*:*:*:*:*:*',
      'cpe:2.3:a:vendor:product:\\\\path:*:*:*:*:*:*:*',
    ]) {
      assert.equal(formatCpe(parseCpe(input)), input);
    }
    assert.equal(formatCpe(parseCpe('cpe:2.3:a:v:p:1\\.0\\-1:*:*:*:*:*:*:*')), 'cpe:2.3:a:v:p:1.0-1:*:*:*:*:*:*:*');
  });

  test('distinguishes ANY, NA, wildcards and literal asterisks', () => {
    const parsed = parseCpe('cpe:2.3:a:*:-:1.*:?beta:\\*:*:*:*:*:*');
    assert.equal(parsed.vendor, '*');
    assert.equal(parsed.product, '-');
    assert.equal(parsed.version, '1.*');
    assert.equal(parsed.update, '?beta');
    assert.equal(parsed.edition, '\\*');
    assert.equal(formatCpe(parsed), 'cpe:2.3:a:*:-:1.*:?beta:\\*:*:*:*:*:*');
  });

  test('lower-cases values and pads a truncated name with ANY', () => {
    assert.deepEqual(parseCpe('CPE:2.3:A:Apache:Log4J:2.14.1'), cpe({ part: 'a', vendor: 'apache', product: 'log4j', version: '2.14.1' }));
  });

  test('formats empty or missing attributes as ANY', () => {
    assert.equal(formatCpe({ ...cpe({ part: 'h', vendor: '' }), product: undefined as unknown as string }), 'cpe:2.3:h:*:*:*:*:*:*:*:*:*:*');
  });
});

describe('2.2 URI', () => {
  test('converts to the 2.3 form', () => {
    assert.equal(formatCpe(parseCpe('cpe:/a:apache:tomcat:9.0.1')), 'cpe:2.3:a:apache:tomcat:9.0.1:*:*:*:*:*:*:*');
    assert.equal(formatCpe(parseCpe('cpe:/o:microsoft:windows_xp::sp2:pro')), 'cpe:2.3:o:microsoft:windows_xp:*:sp2:pro:*:*:*:*:*');
    assert.equal(formatCpe(parseCpe('cpe:/')), 'cpe:2.3:*:*:*:*:*:*:*:*:*:*:*');
  });

  test('decodes percent-encoding, including the %01 and %02 wildcards', () => {
    const parsed = parseCpe('cpe:/a:foo%21bar:baz%3aqux:%01%01.5:%2a:-');
    assert.equal(parsed.vendor, 'foo!bar');
    assert.equal(parsed.product, 'baz:qux');
    assert.equal(parsed.version, '??.5');
    assert.equal(parsed.update, '\\*');
    assert.equal(parsed.edition, '-');
    assert.equal(formatCpe(parsed), 'cpe:2.3:a:foo\\!bar:baz\\:qux:??.5:\\*:-:*:*:*:*:*');
  });

  test('unpacks a packed edition into the 2.3 extended attributes', () => {
    assert.deepEqual(
      parseCpe('cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~:en'),
      cpe({ part: 'a', vendor: 'hp', product: 'insight_diagnostics', version: '7.4.0.1570', language: 'en', swEdition: 'online', targetSw: 'win2003', targetHw: 'x64' }),
    );
  });
});

describe('hostile input', () => {
  const rejected = [
    '',
    'cpe:2.3',
    'cpe:2.4:a:v:p',
    'cpe:2.3:x:v:p',
    'cpe:2.3:a:v\\',
    'cpe:2.3:a::p',
    'cpe:2.3:a:v:p:1:2:3:4:5:6:7:8:9',
    'cpe:2.3:a:v*x:p',
    'cpe:2.3:a:**:p',
    'cpe:2.3:a:v:p:1.?.0',
    'cpe:2.3:a:v p:q',
    'cpe:2.3:a:v\u0000:p',
    'cpe:2.3:a:\\\u0007:p',
    'cpe:2.3:a:vendör:p',
    'cpe:/a:%zz',
    'cpe:/a:%4',
    'cpe:/a:%c3%a9',
    'cpe:/a:%00',
    'cpe:/a:v:p:1:u:~a~b:en',
    'cpe:/a:v:p:1:u:e:l:extra',
  ];
  for (const input of rejected) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseCpe(input), CpeError);
      assert.equal(tryParseCpe(input), null);
    });
  }

  test('rejects non-string input and malformed components with CpeError only', () => {
    for (const input of [null, undefined, 42, {}]) assert.throws(() => parseCpe(input as unknown as string), CpeError);
    const broken: unknown[] = [null, 'cpe', cpe({ part: 'x' as Cpe['part'] }), cpe({ vendor: 7 as unknown as string }), cpe({ vendor: 'a\\b' }), cpe({ vendor: 'é' }), cpe({ vendor: '\u212Aubernetes' }), cpe({ version: '1*2' })];
    for (const c of broken) assert.throws(() => formatCpe(c as Cpe), CpeError);
  });

  test('handles megabyte-sized input in linear time', () => {
    const huge = [`cpe:2.3:a:${'\\:'.repeat(500_000)}:p`, `cpe:2.3:a:${'a'.repeat(1_000_000)}`, `cpe:/a:${'%21'.repeat(300_000)}`, `cpe:2.3:${'a:'.repeat(500_000)}`, `cpe:2.3:a:v:p:${'?'.repeat(1_000_000)}x`];
    for (const input of huge) {
      const elapsed = cpuMs(() => tryParseCpe(input));
      assert.ok(elapsed < 2000, `${input.slice(0, 30)}… took ${elapsed.toFixed(0)} ms of CPU`);
    }
  });
});
