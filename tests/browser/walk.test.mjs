// Walks at a phone's width, with axe on every page: the landlord's agent records a
// neighbourhood walk in the street (its grid, its headcount), places a finding with a tap on the
// map, turns it into a report, and reads the walk's state; the coordinator keeps the grids; an
// elected official reads the GUSP synthesis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone, fits } from './harness.mjs';

setup();

test('a walk is recorded on a phone and its finding becomes a report', async () => {
  const page = await newPage(phone);
  await login(page, 'bailleur@demo.maillage.fr', 'Bailleur-Demo-2026!');
  await page.goto(`${base}/marches`);
  await fits(page);
  await page.click('text=Saisir une marche');
  await fits(page);
  await page.click('text=Tour de quartier entre professionnels');
  await fits(page);
  await page.selectOption('#district_id', { index: 1 });
  await page.fill('input[name=n_26_plus_F]', '3');
  await page.selectOption('select[name^=note_] >> nth=0', '2');
  await page.click('text=Enregistrer la marche');
  assert.match(await page.locator('[role=status]').innerText(), /marche est enregistrée/);
  await fits(page);

  // A finding with no place is refused, what was typed stays; a tap on the map places it.
  await page.fill('#description', 'Lampadaire éteint devant le hall A');
  await page.check('#severity-danger');
  await page.click('text=Ajouter le constat');
  assert.match(await page.locator('.error-summary').innerText(), /sans lieu/);
  assert.equal(await page.inputValue('#description'), 'Lampadaire éteint devant le hall A');
  await fits(page);
  const map = page.locator('input[name=carte_petite]');
  const box = await map.boundingBox();
  await map.click({ position: { x: box.width / 2, y: box.height / 2 } });
  assert.notEqual(await page.inputValue('#lat'), '');
  await page.click('text=Ajouter le constat');
  assert.match(await page.locator('[role=status]').innerText(), /constat est ajouté/);
  await fits(page);

  await page.click('main table a:has-text("Constat 1")');
  await fits(page);
  const lighting = await page.$eval('#categorie', (s) => [...s.options].find((o) => o.text.includes('éclairage')).value);
  await page.selectOption('#categorie', lighting);
  await page.click('text=Créer le signalement');
  assert.match(await page.locator('[role=status]').innerText(), /devenu un signalement/);
  assert.match(await page.locator('main').innerText(), /signalement n° \d+ : /);
  await fits(page);

  const coord = await newPage(phone);
  await login(coord, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await coord.goto(`${base}/marches/grilles`);
  await fits(coord);

  const elected = await newPage(phone);
  await login(elected, 'elu@demo.maillage.fr', 'Lecture-Elu-Demo-2026!');
  await elected.goto(`${base}/marches/gusp`);
  assert.match(await elected.locator('nav').innerText(), /Évaluations GUSP/);
  await elected.selectOption('#quartier', { index: 1 });
  await elected.click('main button[type=submit]');
  assert.match(await elected.locator('main table').innerText(), /semestre 2021/);
  await fits(elected);
});
