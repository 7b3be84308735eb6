// The neighbourhood observatory and the Vigik conventions at a phone's width, with axe on every
// page: the coordinator reads a district's counts, subscribes to its weekly digest, switches to
// the police sectors and the QPV; a partner adds an observation (one from the future is refused
// first) and reads published counts; the coordinator records a convention (an access code is
// refused), finds the one to renew and renews it; an elected official reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone, fits } from './harness.mjs';

setup();

const day = (offset) => {
  const t = new Date(Date.now() + offset * 24 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
};

test('the observatory is read, watched and fed', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.click('nav.main >> text=Observatoire');
  assert.match(await page.locator('main table').innerText(), /Le Port/);
  await fits(page);
  await page.click('main table >> text=Le Port');
  assert.match(await page.locator('main').innerText(), /Signalements : \d+ ce mois-ci/);
  assert.match(await page.locator('main').innerText(), /Rodéos de deux-roues/);
  await fits(page);
  await page.click('text=Les trente-six derniers mois');
  await fits(page);
  for (const breakdown of ['Secteurs de police', 'Quartiers prioritaires (QPV)']) {
    await page.goto(`${base}/observatoire`);
    await page.click(`nav[aria-label="Découpage"] >> text=${breakdown}`);
    assert.match(await page.locator('main table caption').innerText(), new RegExp(breakdown.replace(/[()]/g, '.')));
    await fits(page);
  }

  const partner = await newPage(phone);
  await login(partner, 'police@demo.maillage.fr', 'PoliceMunicipale-Demo-2026!');
  await partner.goto(`${base}/observatoire`);
  await partner.click('main table >> text=Le Village');
  await partner.fill('#observed_on', day(1));
  await partner.fill('#text', 'Éclairage de la placette en panne depuis trois soirs');
  await partner.click('text=Enregistrer l\'observation');
  assert.match(await partner.locator('.error-summary').innerText(), /futur/);
  await fits(partner);
  await partner.fill('#observed_on', day(0));
  await partner.click('text=Enregistrer l\'observation');
  assert.match(await partner.locator('[role=status]').innerText(), /observation est enregistrée/);
  assert.match(await partner.locator('main').innerText(), /placette en panne/);
  await partner.click('text=Recevoir chaque lundi');
  assert.match(await partner.locator('[role=status]').innerText(), /chaque lundi/);
  await fits(partner);
});

test('a Vigik convention is recorded and renewed', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.click('nav.main >> text=Conventions Vigik');
  assert.match(await page.locator('main table').innerText(), /à renouveler/);
  await fits(page);
  await page.click('text=Enregistrer une convention');
  await fits(page);
  await page.fill('#reference', 'Convention Vigik essai navigateur');
  await page.selectOption('#holder', 'copropriete');
  await page.check('main fieldset input[type=checkbox] >> nth=0');
  await page.fill('#other_parties', 'Syndic Essai');
  await page.fill('#buildings', '1 rue Essai, digicode 1234');
  await page.fill('#signed_on', day(-10));
  await page.fill('#starts_on', day(-5));
  await page.fill('#ends_on', day(700));
  await page.click('text=Enregistrer la convention');
  assert.match(await page.locator('.error-summary').innerText(), /code d'accès/);
  await fits(page);
  await page.fill('#buildings', '1 rue Essai, entrées A et B');
  await page.click('text=Enregistrer la convention');
  assert.match(await page.locator('[role=status]').innerText(), /enregistrée/);
  await fits(page);
  await page.goto(`${base}/conventions-vigik?etat=a_renouveler`);
  await page.click('main table a >> nth=0');
  await page.fill('#ends_on', day(4 * 365));
  await page.click('text=Enregistrer le renouvellement');
  assert.match(await page.locator('[role=status]').innerText(), /renouvellement est enregistré/);
  await fits(page);

  const elected = await newPage(phone);
  await login(elected, 'elu@demo.maillage.fr', 'Lecture-Elu-Demo-2026!');
  await elected.goto(`${base}/conventions-vigik`);
  assert.match(await elected.locator('main').innerText(), /Convention Vigik essai navigateur/);
  await fits(elected);
  await elected.goto(`${base}/observatoire`);
  await fits(elected);
});
