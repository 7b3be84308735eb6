// Browser tests of the reports, as the users would try them with the demo: a landlord's
// agent reports a dumping in a hall (placing it by a click on the map, no script involved), the
// municipal police takes its part, the coordinator finds it on the map and in the statistics.
// axe-core (WCAG 2.1 A/AA rules) runs on every page visited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, axe, login, base } from './harness.mjs';

setup();

test('a landlord reports a dumping in a hall; the police takes its part; the coordinator sees it', async () => {
  const agent = await newPage();
  await login(agent, 'bailleur@demo.maillage.fr', 'Bailleur-Demo-2026!');
  await agent.goto(`${base}/signalements/nouveau`);
  await axe(agent);
  // A click on the map sends its pixel coordinates: the page comes back with the place filled in.
  await agent.click('input[name=carte]', { position: { x: 500, y: 90 } });
  const lat = Number(await agent.inputValue('#lat'));
  const lon = Number(await agent.inputValue('#lon'));
  assert.ok(lat > 48.9 && lat < 48.95 && lon > 2.25 && lon < 2.34, `${lat} ${lon}`);
  // Then the exact place of the hall, in the landlord's estate, and the category's questions.
  await agent.fill('#lat', '48.9391');
  await agent.fill('#lon', '2.3112');
  await agent.selectOption('#categorie', { label: 'Propreté et cadre de vie › Dépôt sauvage' });
  await agent.click('button[value=questions]');
  await agent.check('#q_nature-encombrants');
  await agent.fill('#adresse', 'Hall C');
  await agent.fill('#description', 'Matelas et cartons déposés dans le hall C depuis ce matin.');
  await axe(agent);
  await agent.click('button[value=envoyer]');
  if (!/\/signalements\/\d+/.test(agent.url())) {
    // Open reports nearby are offered as possible duplicates first.
    assert.match(await agent.locator('main').innerText(), /Signalements proches/);
    await axe(agent);
    await agent.click('button[value=envoyer]');
  }
  assert.match(agent.url(), /\/signalements\/\d+\?cree=1$/);
  const id = agent.url().match(/\/signalements\/(\d+)/)[1];
  const facts = await agent.locator('main').innerText();
  assert.match(facts, /En charge\s+Habitat Exemple/);
  assert.match(facts, /Police municipale \(démo\) — associée/);
  await axe(agent);

  const police = await newPage();
  await login(police, 'police@demo.maillage.fr', 'PoliceMunicipale-Demo-2026!');
  await police.goto(`${base}/signalements/${id}`);
  await police.click('text=Mon organisation prend sa part en charge');
  assert.match(await police.locator('main').innerText(), /pris en charge/);
  await axe(police);

  const coord = await newPage();
  await login(coord, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await coord.goto(`${base}/signalements/carte`);
  assert.equal(await coord.locator(`a[href="/signalements/${id}"] circle`).count(), 1);
  assert.ok(await coord.locator('svg circle').count() > 300, 'the demo city has a year of reports');
  await axe(coord);
  for (const path of ['/signalements', '/signalements?etat=ouverts&retard=1', '/signalements/statistiques',
    '/signalements/statistiques?groupe=categorie', `/signalements/${id}`]) {
    const response = await coord.goto(`${base}${path}`);
    assert.equal(response.status(), 200, path);
    await axe(coord);
  }
  await coord.goto(`${base}/signalements/statistiques`);
  assert.match(await coord.locator('tfoot').innerText(), /Total\s+\d{3}/);
});

test('the administrator\'s settings pages pass axe and show the demo key', async () => {
  const admin = await newPage();
  await login(admin, 'admin@demo.maillage.fr', 'Administration-Demo-2026!');
  await admin.goto(`${base}/admin/signalements`);
  assert.match(await admin.locator('main').innerText(), /mlg_demo_habitat_exemple_2026/);
  await axe(admin);
  await admin.click('text=Occupation des parties communes (halls, escaliers, parkings)');
  await axe(admin);
  await admin.goto(`${base}/admin/signalements/categories/nouvelle`);
  await axe(admin);
});

test('the reports list and the form fit a phone screen', async () => {
  const page = await newPage({ viewport: { width: 360, height: 740 } });
  await login(page, 'police@demo.maillage.fr', 'PoliceMunicipale-Demo-2026!');
  for (const path of ['/signalements', '/signalements/nouveau', '/signalements/carte']) {
    await page.goto(`${base}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} wider than the screen by ${overflow}px`);
  }
});

test('a link to a report followed while logged out leads to it after login; the state form moves nothing by itself', async () => {
  const page = await newPage();
  // A report of the police's, as an e-mail would link it.
  await login(page, 'police@demo.maillage.fr', 'PoliceMunicipale-Demo-2026!');
  await page.goto(`${base}/signalements?etat=ouverts`);
  const href = await page.evaluate(() =>
    [...document.querySelectorAll('main a')].map((a) => a.getAttribute('href')).find((h) => /^\/signalements\/\d+$/.test(h)));
  const id = href.match(/\/signalements\/(\d+)/)[1];
  const visitor = await newPage();
  await visitor.goto(`${base}/signalements/${id}`);
  assert.match(visitor.url(), /\/connexion\?suite=%2Fsignalements%2F\d+$/);
  await visitor.fill('#email', 'police@demo.maillage.fr');
  await visitor.fill('#password', 'PoliceMunicipale-Demo-2026!');
  await Promise.all([visitor.waitForNavigation(), visitor.click('form[action="/connexion"] button[type=submit]')]);
  assert.match(visitor.url(), new RegExp(`/signalements/${id}$`), 'back on the report asked for');
  // Nothing is chosen in the state form, and a choice is required: saving cannot move the
  // report by default.
  assert.equal(await visitor.locator('#etat').inputValue(), '');
  assert.equal(await visitor.locator('#etat').getAttribute('required'), '');
  await visitor.fill('#note', 'Passage prévu jeudi');
  await visitor.click('text=Enregistrer l\'état');
  assert.match(visitor.url(), new RegExp(`/signalements/${id}$`), 'the browser asks for a state before sending');
  await axe(visitor);
  // A closing without its reason is refused: the note stays, the field is marked and described.
  await visitor.selectOption('#etat', 'closed_without_action');
  await Promise.all([visitor.waitForNavigation(), visitor.click('text=Enregistrer l\'état')]);
  assert.equal(await visitor.locator('#note').inputValue(), 'Passage prévu jeudi');
  assert.equal(await visitor.locator('#etat').inputValue(), 'closed_without_action', 'the choice is kept');
  assert.equal(await visitor.locator('#motif').getAttribute('aria-invalid'), 'true');
  assert.match(await visitor.locator('#motif-error').innerText(), /motif/);
  await axe(visitor);
  // A comment refused (too long: the browser's own limit set aside, as an old browser would)
  // comes back with its text and its box ticked, the field marked and its message beside it.
  const long = `Passage prévu ${'très '.repeat(1000)}`;
  await visitor.evaluate((text) => {
    const area = document.querySelector('#texte');
    area.removeAttribute('maxlength');
    area.value = text;
  }, long);
  await visitor.check('#interne');
  await Promise.all([visitor.waitForNavigation(), visitor.click('text=Ajouter le commentaire')]);
  const kept = await visitor.locator('#texte').inputValue();
  assert.ok(kept.startsWith('Passage prévu très très') && kept.length >= long.trim().length, 'the text is kept whole');
  assert.ok(await visitor.locator('#interne').isChecked());
  assert.equal(await visitor.locator('#texte').getAttribute('aria-invalid'), 'true');
  assert.match(await visitor.locator('#texte-error').innerText(), /Le commentaire doit compter/);
  await axe(visitor);
});
