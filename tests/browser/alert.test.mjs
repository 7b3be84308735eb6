// The rapid alert at a phone's width, with axe on every page: the mediator raises an alert in
// under a minute (told first what is missing), the police station on call confirms it with one
// click, the coordinator follows the timeline, closes it with its debrief and reads the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone, fits } from './harness.mjs';

setup();

test('an alert is raised from a phone, confirmed and closed', async () => {
  const page = await newPage(phone);
  await login(page, 'mediateur@demo.maillage.fr', 'Mediation-Demo-2026!');
  await page.goto(`${base}/alertes`);
  await fits(page);
  await page.click('text=Lancer une alerte');
  assert.match(await page.locator('h1').innerText(), /Lancer une alerte/);
  await fits(page);
  // The date and hour are filled in; the situation and the place are what the mediator types.
  assert.notEqual(await page.inputValue('#heure'), '');
  await page.check('#kind-rixe');
  await page.selectOption('#district', { index: 1 });
  // The place is missing: past the browser's own check, the server says so and keeps the rest.
  await page.evaluate(() => { document.querySelector('main form[method=post]').noValidate = true; });
  await page.fill('#estimated_count', '20');
  await page.click('main button[type=submit]');
  assert.match(await page.locator('.error-summary').innerText(), /lieu est obligatoire/);
  assert.equal(await page.inputValue('#estimated_count'), '20');
  await fits(page);
  await page.fill('#place', 'Parvis de la gare');
  await page.fill('#facts', 'Deux groupes face à face.');
  await page.click('main button[type=submit]');
  assert.match(await page.locator('[role=status]').innerText(), /Alerte lancée/);
  const url = page.url().split('?')[0];
  assert.match(await page.locator('main').innerText(), /Commissariat/);
  await fits(page);

  // The police station, on call all day, confirms with one click from its list.
  const station = await newPage(phone);
  await login(station, 'commissariat@demo.maillage.fr', 'Commissariat-Demo-2026!');
  await station.goto(url);
  await fits(station);
  await station.click('text=Je confirme la réception');
  assert.match(await station.locator('[role=status]').innerText(), /Réception confirmée/);
  assert.match(await station.locator('.timeline').innerText(), /Réception confirmée/);
  await fits(station);

  // The coordinator keeps the on-call lists, adds an action, closes with the debrief.
  const coord = await newPage(phone);
  await login(coord, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await coord.goto(`${base}/alertes/astreintes`);
  assert.match(await coord.locator('main table').innerText(), /Noa Prototype/);
  await fits(coord);
  await coord.goto(url);
  await coord.fill('#action', 'Patrouille de police nationale sur place.');
  await coord.click('text=Ajouter au fil');
  assert.match(await coord.locator('.timeline').innerText(), /Patrouille de police nationale/);
  await coord.click('text=Clore l\'alerte avec son bilan');
  await fits(coord);
  await coord.fill('#what_happened', 'Groupes dispersés, pas de blessé.');
  await coord.check('#families_contacted');
  await coord.fill('#young_people_identified', '4');
  await coord.click('main button[type=submit]');
  assert.match(await coord.locator('[role=status]').innerText(), /close avec son bilan/);
  assert.match(await coord.locator('main').innerText(), /Groupes dispersés/);
  await fits(coord);
  await coord.goto(`${base}/alertes/chiffres?annee=2020`);
  assert.match(await coord.locator('main').innerText(), /Alertes lancées : 11/);
  await fits(coord);
});
