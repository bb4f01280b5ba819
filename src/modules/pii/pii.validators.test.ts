import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  birthDateValid,
  bsnValid,
  cardBrand,
  dniValid,
  hetuValid,
  ibanValid,
  luhnValid,
  ninoValid,
  peselValid,
  personnummerValid,
  ssnValid,
} from './pii.validators.js';

test('Luhn and IIN ranges: published test card numbers per network, and their one-digit-off neighbours', () => {
  const cards: [string, string][] = [
    ['4111111111111111', 'visa'],
    ['4012888888881881', 'visa'],
    ['4222222222222', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['371449635398431', 'amex'],
    ['6011111111111117', 'discover'],
    ['3530111333300000', 'jcb'],
    ['30569309025904', 'diners'],
    ['6200000000000005', 'unionpay'],
  ];
  for (const [number, brand] of cards) {
    assert.equal(cardBrand(number), brand, number);
    const off = number.slice(0, -1) + String((Number(number.at(-1)) + 1) % 10);
    assert.equal(cardBrand(off), null, `${off} fails Luhn`);
  }
  assert.ok(luhnValid('79927398713'));
  assert.equal(cardBrand('1234567812345670'), null, 'Luhn-valid but no issuer starts with 1');
  assert.equal(cardBrand('41111111111111111'), null, 'Visa has no 17-digit numbers');
  assert.equal(cardBrand('4111-1111'), null);
});

test('IBAN: mod-97 with the registry length of each country', () => {
  for (const iban of [
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'NL91ABNA0417164300',
    'FR1420041010050500013M02606',
    'BE68539007547034',
    'NO9386011117947',
    'MT84MALT011000012345MTLCAST001S',
    'CH9300762011623852957',
  ]) {
    assert.ok(ibanValid(iban), iban);
  }
  assert.equal(ibanValid('DE89370400440532013001'), false, 'check digits off');
  assert.equal(ibanValid('DE8937040044053201300'), false, 'one character short for DE');
  assert.equal(ibanValid('NL91ABNA04171643000'), false, 'one character long for NL');
  assert.equal(ibanValid('QQ89370400440532013000'), false, 'no such country');
  assert.equal(ibanValid('de89370400440532013000'), false, 'callers upper-case first');
});

test('US SSN: area, group and serial rules', () => {
  assert.ok(ssnValid('536228902'));
  for (const bad of ['000123456', '666123456', '900123456', '999123456', '123004567', '123450000', '078051120', '12345678']) {
    assert.equal(ssnValid(bad), false, bad);
  }
});

test('UK NINO: prefix letters HMRC never issues are refused', () => {
  assert.ok(ninoValid('AB123456C'));
  assert.ok(ninoValid('JG103759A'));
  assert.ok(ninoValid('AB123456'));
  for (const bad of ['DA123456A', 'AD123456A', 'BG123456A', 'GB123456A', 'ZZ123456A', 'AO123456A', 'AB123456E', 'AB12345C']) {
    assert.equal(ninoValid(bad), false, bad);
  }
});

test('national ids: NL BSN 11-test, ES DNI/NIE letter, PL PESEL, SE personnummer, FI HETU', () => {
  assert.ok(bsnValid('111222333'));
  assert.ok(bsnValid('123456782'));
  assert.equal(bsnValid('123456789'), false);
  assert.equal(bsnValid('000000000'), false);

  assert.ok(dniValid('12345678Z'));
  assert.ok(dniValid('00000000T'));
  assert.ok(dniValid('X1234567L'));
  assert.ok(dniValid('Y1234567X'));
  assert.equal(dniValid('12345678A'), false);
  assert.equal(dniValid('X1234567A'), false);

  assert.ok(peselValid('44051401359'));
  assert.ok(peselValid('02070803628'));
  assert.equal(peselValid('44051401358'), false, 'check digit');
  assert.equal(peselValid('44133101356'), false, 'month 13 is no month in any century');

  assert.ok(personnummerValid('8112289874'));
  assert.ok(personnummerValid('8112889871'), 'samordningsnummer: day + 60');
  assert.equal(personnummerValid('8112289875'), false);
  assert.equal(personnummerValid('8113289874'), false);

  assert.ok(hetuValid('131052-308T'));
  assert.ok(hetuValid('010101A123N'));
  assert.equal(hetuValid('131052-308U'), false);
  assert.equal(hetuValid('311152-308T'), false, 'no 31 November');
});

test('birth dates: real calendar dates from 1900 up to today', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.ok(birthDateValid(1985, 3, 12, now));
  assert.ok(birthDateValid(2000, 2, 29, now));
  assert.equal(birthDateValid(1900 - 1, 1, 1, now), false);
  assert.equal(birthDateValid(2001, 2, 29, now), false);
  assert.equal(birthDateValid(2030, 1, 1, now), false);
});
