// Browser tests: Debian's Chromium, driven by playwright-core, through login, browsing the
// strategy and editing a sheet; axe-core (WCAG 2.1 A/AA rules) runs on every page visited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, axe, login, base } from './harness.mjs';

setup();

test('a coordinator logs in, browses the strategy and edits a sheet; every page passes axe', async () => {
  const page = await newPage();
  await page.goto(`${base}/`);
  await axe(page);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  assert.equal(new URL(page.url()).pathname, '/', 'the coordinator starts on what needs action');
  await page.goto(`${base}/strategie`);
  assert.equal(await page.locator('.sheet-list li').count(), 11);
  await axe(page);

  for (const path of ['/strategie/axes/3', '/strategie/fiches/3.2', '/strategie/document', '/strategie/versions',
    '/strategie/recherche?q=signalement', '/strategie/import', '/organisations', '/organisations/nouvelle', '/compte',
    '/strategie/fiches/3.2/modifier']) {
    const response = await page.goto(`${base}${path}`);
    assert.equal(response.status(), 200, path);
    await axe(page);
  }

  // Edit a sheet: a blank title is refused with a message, then a real change is saved.
  await page.fill('#title', '');
  await page.fill('#pilot', 'Coordinateur CLSPD — essai navigateur');
  await page.evaluate(() => document.querySelector('#title').removeAttribute('required'));
  await page.click('main button[type=submit]');
  assert.match(await page.locator('.error-summary').innerText(), /obligatoire/);
  assert.equal(await page.inputValue('#pilot'), 'Coordinateur CLSPD — essai navigateur');
  await axe(page);
  await page.fill('#title', 'Renforcer les moyens d\'actions pour assurer la tranquillité publique');
  await page.click('main button[type=submit]');
  // The demo saved two versions (the file, then its fictitious targets): this is the third.
  assert.match(page.url(), /\/strategie\/fiches\/3\.2\?enregistre=3$/, await page.locator('main').innerText());
  assert.match(await page.locator('main').innerText(), /essai navigateur/);
  await axe(page);
});

test('the administrator and the DPO pages pass axe; the DPO reads the log', async () => {
  const admin = await newPage();
  await login(admin, 'admin@demo.maillage.fr', 'Administration-Demo-2026!');
  for (const path of ['/admin/comptes', '/admin/sigles', '/journal']) {
    const response = await admin.goto(`${base}${path}`);
    assert.equal(response.status(), 200, path);
    await axe(admin);
  }
  const dpo = await newPage();
  await login(dpo, 'dpo@demo.maillage.fr', 'Protection-Donnees-Demo-2026!');
  const response = await dpo.goto(`${base}/journal`);
  assert.equal(response.status(), 200);
  assert.match(await dpo.locator('table').innerText(), /Connexion/, 'operations named in French');
  assert.equal((await dpo.goto(`${base}/admin/comptes`)).status(), 403);
  await axe(dpo);
});

test('pages fit a phone screen without horizontal scrolling', async () => {
  const page = await newPage({ viewport: { width: 360, height: 740 } });
  await login(page, 'elu@demo.maillage.fr', 'Lecture-Elu-Demo-2026!');
  await page.goto(`${base}/strategie/fiches/1.1`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the screen by ${overflow}px`);
  await axe(page);
});
