// The activity journal at a phone's width, with axe on every page: a partner records an action
// with its participants, is told what is wrong first, then finds it in its list; the
// coordinator filters the demo's years by sheet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone, fits } from './harness.mjs';

setup();

test('a partner records an action carried out, with its participants', async () => {
  const page = await newPage(phone);
  await login(page, 'police@demo.maillage.fr', 'PoliceMunicipale-Demo-2026!');
  await page.goto(`${base}/activites`);
  await fits(page);
  await page.click('text=Enregistrer une action');
  assert.match(await page.locator('h1').innerText(), /Nouvelle action réalisée/);
  await fits(page);
  await page.selectOption('#kind', 'intervention_prevention');
  await page.check('#sheet_ids input[type=checkbox] >> nth=2');
  await page.selectOption('select[aria-label="Public, ligne 1"]', 'jeunes');
  await page.selectOption('select[aria-label="Âge, ligne 1"]', '16_17');
  await page.selectOption('select[aria-label="Sexe, ligne 1"]', 'M');
  await page.fill('input[aria-label="Nombre, ligne 1"]', '11');
  // The title is missing: past the browser's own check, the server says so and keeps the rest.
  await page.evaluate(() => { document.querySelector('main form[method=post]').noValidate = true; });
  await page.click('main button[type=submit]');
  assert.match(await page.locator('.error-summary').innerText(), /intitulé/);
  assert.equal(await page.inputValue('input[aria-label="Nombre, ligne 1"]'), '11');
  await fits(page);
  await page.fill('#title', 'Présence des médiateurs à la sortie du lycée');
  await page.click('main button[type=submit]');
  assert.match(await page.locator('[role=status]').innerText(), /enregistrée/);
  assert.match(await page.locator('main').innerText(), /16 à 17 ans/);
  await fits(page);
  // A photo of the action: its caption first, then the picture, cleaned by the server.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await page.setInputFiles('#photo', { name: 'sortie.png', mimeType: 'image/png', buffer: png });
  await page.evaluate(() => { document.querySelector('form[action$="/photos#photos"]').noValidate = true; });
  await page.click('text=Ajouter la photo');
  assert.match(await page.locator('.error-summary').innerText(), /Décrivez la photo|décrivez la photo/);
  await fits(page);
  await page.setInputFiles('#photo', { name: 'sortie.png', mimeType: 'image/png', buffer: png });
  await page.fill('#legende', 'Les médiateurs devant le lycée');
  await page.click('text=Ajouter la photo');
  assert.match(await page.locator('[role=status]').innerText(), /photo est ajoutée/);
  assert.equal(await page.locator('.photos img').count(), 1);
  assert.match(await page.locator('.photos figcaption').innerText(), /Les médiateurs devant le lycée/);
  await fits(page);
  await page.goto(`${base}/activites`);
  assert.match(await page.locator('main').innerText(), /Présence des médiateurs/);
});

test('the coordinator finds the demo years by sheet', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.goto(`${base}/activites?annee=2020&fiche=5.1`);
  assert.match(await page.locator('h2#liste').innerText(), /^2 action\(s\) en 2020/);
  assert.match(await page.locator('main table').innerText(), /Marche exploratoire de femmes/);
  await fits(page);
  await page.click('text=Marche exploratoire de femmes');
  await fits(page);
});

test('the evaluation pages fit a phone, exact for the coordination, published for an elected official', async () => {
  const coord = await newPage(phone);
  await login(coord, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await coord.goto(`${base}/evaluation?annee=2020`);
  assert.match(await coord.locator('h1').innerText(), /Évaluation de la stratégie — 2020/);
  await fits(coord);
  // One district, without JavaScript: the form's own submit.
  await coord.selectOption('#quartier', { index: 1 });
  await coord.click('main form.filters button[type=submit]');
  assert.match(await coord.locator('h1').innerText(), /Évaluation de la stratégie — 2020, quartier /);
  assert.match(await coord.locator('main').innerText(), /Évolution par année, quartier /);
  await fits(coord);
  await coord.goto(`${base}/evaluation?annee=2020`);
  await coord.click('text=1.1 — Prévenir les comportements');
  assert.match(await coord.locator('h1').innerText(), /^Fiche 1\.1/);
  assert.match(await coord.locator('main').innerText(), /Participants par âge et par sexe/);
  await fits(coord);
  const elected = await newPage(phone);
  await login(elected, 'elu@demo.maillage.fr', 'Lecture-Elu-Demo-2026!');
  await elected.goto(`${base}/evaluation/fiches/1.1?annee=2020`);
  assert.match(await elected.locator('main').innerText(), /inférieurs à 5/);
  await fits(elected);
});
