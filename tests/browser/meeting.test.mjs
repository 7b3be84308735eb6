// The CLSPD's meetings at a phone's width, with axe on every page: the coordinator opens the
// plenary held last month, finds its minutes and decisions, plans the next plenary (a date in
// the past refused first), and an elected official reads the meetings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone, fits } from './harness.mjs';

setup();

const inDays = (n) => {
  const t = new Date(Date.now() + n * 24 * 3600 * 1000);
  const p = (x) => String(x).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T18:00`;
};

test('the coordinator reads a plenary and plans the next one', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.click('nav.main >> text=Réunions');
  await fits(page);
  await page.click('main >> text=Séance plénière du CLSPD');
  const main = await page.locator('main').innerText();
  assert.match(main, /Étendre l'alerte rapide aux gardiens des bailleurs/);
  assert.match(main, /Charte, article 5/);
  await fits(page);
  await page.goto(`${base}/reunions/nouvelle`);
  await page.selectOption('#body_id', { label: 'Séance plénière du CLSPD' });
  await page.fill('#starts_at', inDays(-2));
  await page.fill('#place', 'Salle du conseil municipal');
  await page.fill('#point_1', 'Évaluation annuelle et recommandations');
  await page.click('text=Enregistrer la réunion');
  assert.match(await page.locator('.error-summary').innerText(), /dans le passé/);
  await fits(page);
  await page.fill('#starts_at', inDays(40));
  await page.click('text=Enregistrer la réunion');
  assert.match(await page.locator('[role=status]').innerText(), /réunion est enregistrée/);
  await fits(page);
});

test('an elected official reads the meetings', async () => {
  const page = await newPage(phone);
  await login(page, 'elu@demo.maillage.fr', 'Lecture-Elu-Demo-2026!');
  await page.goto(`${base}/reunions`);
  assert.match(await page.locator('main').innerText(), /Formation restreinte du CLSPD/);
  await fits(page);
});
