// The public site at a phone's width, without an account, with axe on every public page: a
// visitor reaches the directory of help from the home in two taps (the home's tile, then the
// victims' section), reads the booklet, the news, an event, the figures and the institutional
// pages; the coordinator writes an event, and a text with a script is refused as typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone, fits } from './harness.mjs';

setup();

test('a visitor finds help in two taps, and every public page passes axe', async () => {
  const page = await newPage(phone);
  await page.goto(`${base}/`);
  assert.match(await page.locator('h1').innerText(), /Prévention et tranquillité/);
  await fits(page);
  await page.click('main >> text=Trouver de l\'aide');
  await page.click('nav[aria-label="Rubriques de l\'annuaire"] >> text=Aide aux victimes');
  assert.equal(new URL(page.url()).hash, '#victimes');
  const victims = await page.locator('section[aria-labelledby="victimes"]').innerText();
  assert.match(victims, /France Victimes/);
  assert.match(victims, /116 006/);
  await fits(page);
  for (const path of ['/livret', '/actualites', '/chiffres', '/accessibilite', '/accessibilite/schema-pluriannuel', '/donnees-personnelles', '/mentions-legales', '/information-groupes-de-travail']) {
    await page.goto(`${base}${path}`);
    await fits(page);
  }
  await page.goto(`${base}/actualites`);
  await page.click('main >> text=Après-midi de prévention routière et numérique');
  assert.match(await page.locator('main').innerText(), /Parc des sports/);
  await fits(page);
  await page.goto(`${base}/livret`);
  assert.match(await page.locator('main').innerText(), /Les halls d'immeubles/);
});

test('the coordinator writes an event; a script is refused as typed', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.click('nav.main >> text=Site public');
  await fits(page);
  await page.click('text=un événement');
  await page.fill('#title', 'Marche exploratoire ouverte aux habitantes');
  await page.fill('#body', 'Rendez-vous devant la mairie.\n\n<script>alert(1)</script>');
  await page.fill('#starts_at', '2031-06-12T18:00');
  await page.fill('#place', 'Parvis de la mairie');
  await page.check('#published');
  await page.click('text=Enregistrer la page');
  assert.match(await page.locator('.error-summary').innerText(), /du HTML/);
  assert.match(await page.inputValue('#body'), /<script>alert\(1\)<\/script>/);
  await fits(page);
  await page.fill('#body', 'Rendez-vous devant la mairie.');
  await page.click('text=Enregistrer la page');
  assert.match(await page.locator('[role=status]').innerText(), /page est enregistrée/);
  const visitor = await newPage(phone);
  await visitor.goto(`${base}/actualites`);
  assert.match(await visitor.locator('main').innerText(), /Marche exploratoire ouverte aux habitantes/);
});
