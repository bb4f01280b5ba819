import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tw-config-'));

test('defaults: embedded SQLite in the data directory, port 8080, ICAP 1344', () => {
  const config = loadConfig({ THIRDWATCH_DATA_DIR: dataDir });
  assert.equal(config.dialect, 'sqlite');
  assert.equal(config.databaseUrl, `sqlite://${join(dataDir, 'thirdwatch.db')}`);
  assert.equal(config.port, 8080);
  assert.equal(config.icapPort, 1344);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.secureCookies, false);
});

test('a postgres:// URL selects PostgreSQL', () => {
  assert.equal(loadConfig({ THIRDWATCH_DATA_DIR: dataDir, THIRDWATCH_DATABASE_URL: 'postgres://u@h/db' }).dialect, 'postgres');
});

test('every bad value is reported with the variable that carried it, all at once', () => {
  const error = (() => {
    try {
      loadConfig({
        THIRDWATCH_DATA_DIR: dataDir,
        THIRDWATCH_PORT: 'eighty',
        THIRDWATCH_ICAP_PORT: '70000',
        THIRDWATCH_DATABASE_URL: 'mysql://x',
        THIRDWATCH_LOG_LEVEL: 'loud',
        THIRDWATCH_SECURE_COOKIES: 'maybe',
      });
    } catch (e) {
      return e as ConfigError;
    }
    return null;
  })();
  assert.ok(error instanceof ConfigError);
  const text = error.problems.join('\n');
  for (const name of ['THIRDWATCH_PORT', 'THIRDWATCH_ICAP_PORT', 'THIRDWATCH_DATABASE_URL', 'THIRDWATCH_LOG_LEVEL', 'THIRDWATCH_SECURE_COOKIES']) {
    assert.match(text, new RegExp(name));
  }
  assert.equal(error.problems.length, 5);
});

test('a YAML config file in the data directory is read; environment variables win', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-config-file-'));
  writeFileSync(join(dir, 'thirdwatch.yaml'), 'THIRDWATCH_PORT: 9000\nTHIRDWATCH_ICAP_PORT: 1400\n');
  const config = loadConfig({ THIRDWATCH_DATA_DIR: dir, THIRDWATCH_ICAP_PORT: '1500' });
  assert.equal(config.port, 9000);
  assert.equal(config.icapPort, 1500);
});

test('unknown keys and a missing explicit file are errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-config-bad-'));
  writeFileSync(join(dir, 'thirdwatch.yaml'), 'PORT: 9000\n');
  assert.throws(() => loadConfig({ THIRDWATCH_DATA_DIR: dir }), /unknown key "PORT"/);
  assert.throws(() => loadConfig({ THIRDWATCH_CONFIG: join(dir, 'missing.yaml') }), /THIRDWATCH_CONFIG: file .* does not exist/);
});
