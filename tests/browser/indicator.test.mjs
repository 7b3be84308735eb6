// The indicators at a phone's width, with axe on every page: a partner declares a figure (told
// first what is wrong), the coordinator returns one and validates the next, and the year's board,
// an indicator's page, its reference sheet's form and a campaign read on a phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone, fits } from './harness.mjs';

setup();

test('a partner declares a figure and submits it', async () => {
  const page = await newPage(phone);
  await login(page, 'police@demo.maillage.fr', 'PoliceMunicipale-Demo-2026!');
  await page.goto(`${base}/evaluation/declarations`);
  await fits(page);
  await page.click('text=4.1 — Nombre de procédures mises en place');
  assert.match(await page.locator('h1').innerText(), /Nombre de procédures mises en place/);
  await fits(page);
  await page.fill('#total', 'trois');
  await page.click('button[value=transmettre]');
  assert.match(await page.locator('.error-summary').innerText(), /pas un nombre entier/);
  await fits(page);
  await page.fill('#total', '3');
  await page.fill('#comment', 'Protocole signé avec le commissariat.');
  await page.click('button[value=transmettre]');
  assert.match(await page.locator('[role=status]').innerText(), /transmis/);
  assert.match(await page.locator('main').innerText(), /Transmis, à valider/);
});

test('the coordinator returns a figure, validates the next, and reads the board', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.goto(`${base}/evaluation/declarations`);
  assert.match(await page.locator('main').innerText(), /À valider \([1-9]/);
  await fits(page);
  const first = page.locator('section.review').first();
  await first.locator('button[value=renvoyer]').click();
  assert.match(await page.locator('.error-summary').innerText(), /Dites au partenaire/);
  await fits(page);
  await page.locator('section.review').first().locator('textarea').fill('Merci de ventiler par quartier.');
  await page.locator('section.review').first().locator('button[value=renvoyer]').click();
  assert.match(await page.locator('[role=status]').innerText(), /renvoyé/);
  await page.locator('section.review').first().locator('button[value=valider]').click();
  assert.match(await page.locator('[role=status]').innerText(), /validé/);
  await page.goto(`${base}/evaluation/indicateurs?annee=2020`);
  assert.match(await page.locator('h1').innerText(), /Indicateurs d'évaluation — 2020/);
  assert.match(await page.locator('main').innerText(), /Cible atteinte/);
  await fits(page);
  await page.click('text=Nombre de jeunes âge , sexe');
  assert.match(await page.locator('main').innerText(), /Valeurs et cibles/);
  await fits(page);
  await page.click('text=Modifier la fiche indicateur');
  await fits(page);
  await page.goto(`${base}/evaluation/campagnes`);
  await fits(page);
  await page.click('main table a >> nth=0');
  assert.match(await page.locator('main').innerText(), /Complétude/);
  await fits(page);
});

test('an elected official reads the board, counts of people below 5 published', async () => {
  const page = await newPage(phone);
  await login(page, 'elu@demo.maillage.fr', 'Lecture-Elu-Demo-2026!');
  await page.goto(`${base}/evaluation/indicateurs?annee=2020`);
  assert.match(await page.locator('main').innerText(), /inférieurs à 5/);
  assert.doesNotMatch(await page.locator('main').innerText(), /Adoption du bilan/);
  await fits(page);
  await page.click('text=Le bilan 2020 pour la séance plénière');
  assert.match(await page.locator('h1').innerText(), /Bilan 2020/);
  await fits(page);
});

test('the coordinator follows the conclusions and records a decision on a phone', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.goto(`${base}/evaluation/conclusions?annee=2020`);
  assert.match(await page.locator('h1').innerText(), /Tableau de bord des conclusions — 2020/);
  assert.match(await page.locator('main').innerText(), /Décisions en retard/);
  await fits(page);
  await page.click('main table a >> nth=0');
  assert.match(await page.locator('h1').innerText(), /conclusions 2020/);
  await fits(page);
  await page.click('text=Enregistrer la décision');
  // Required fields: the browser says so before sending; without it the server does.
  await page.fill('#text', 'Associer les collèges au bilan des ateliers');
  await page.fill('#owner', 'Coordination CLSPD');
  await page.click('text=Enregistrer la décision');
  assert.match(await page.locator('[role=status]').innerText(), /Décision enregistrée/);
  assert.match(await page.locator('main').innerText(), /Associer les collèges/);
  await fits(page);
  await page.goto(`${base}/evaluation/bilan?annee=2020`);
  assert.match(await page.locator('main').innerText(), /PDF\/A et PDF\/UA/);
  await fits(page);
});

test('the coordinator aligns a sheet with the national strategy on a phone', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.goto(`${base}/evaluation`);
  await page.click("text=L'alignement sur la stratégie nationale");
  assert.match(await page.locator('h1').innerText(), /Alignement sur la stratégie nationale/);
  const main = await page.locator('main').innerText();
  assert.match(main, /4 sur 4/);
  assert.match(main, /Fiches locales sans axe national/);
  await fits(page);
  // Sheet 6.1 serves none of the demo's links: tick its axis 4 and save.
  await page.check('fieldset:has(legend:has-text("Fiche 6.1")) input[value="6.1/4"]');
  await page.click("text=Enregistrer l'alignement");
  assert.match(await page.locator('[role=status]').innerText(), /Alignement enregistré/);
  assert.match(await page.locator('main').innerText(), /Toutes les fiches servent au moins un axe/);
  await fits(page);
  await page.click('text=Stratégie nationale de prévention de la délinquance 2025-2030');
  assert.match(await page.locator('main').innerText(), /0 sur 5/);
  await fits(page);
});
