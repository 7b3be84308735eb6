// The CCTV footage register at a phone's width, with axe on every page: the coordinator, an
// authorised agent, inscribes a request (a period whose footage no longer exists is refused
// first), a viewing and an extraction with its destruction day; the DPO reads the register; the
// administrator names the agents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone, fits } from './harness.mjs';

setup();

/** `yyyy-mm-ddThh:mm`, `hours` hours ago (the browser's time zone is the server's here). */
function hoursAgo(hours) {
  const t = new Date(Date.now() - hours * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}`;
}

test('a request for footage is inscribed, viewed and extracted', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.goto(`${base}/videoprotection`);
  assert.match(await page.locator('main').innerText(), /conservée pour la procédure judiciaire/);
  await fits(page);
  await page.click('text=Caméras');
  await fits(page);
  await page.goto(`${base}/videoprotection`);
  await page.click('text=Inscrire une demande d\'images');
  await fits(page);
  await page.selectOption('#camera_id', { index: 2 });
  await page.fill('#requester', 'Lieutenant Essai');
  await page.fill('#service', 'Police nationale');
  await page.fill('#procedure', 'PV 2026/TEST/1');
  await page.fill('#reason', 'Vol à l\'arraché');
  await page.fill('#du', hoursAgo(24 * 40));
  await page.fill('#au', hoursAgo(24 * 40 - 2));
  await page.click('main button[type=submit]');
  assert.match(await page.locator('.error-summary').innerText(), /n'existent plus/);
  await fits(page);
  await page.fill('#du', hoursAgo(5));
  await page.fill('#au', hoursAgo(3));
  await page.click('main button[type=submit]');
  assert.match(await page.locator('[role=status]').innerText(), /inscrite au registre/);
  await fits(page);
  await page.click('text=Inscrire un visionnage');
  assert.match(await page.locator('[role=status]').innerText(), /visionnage est inscrit/);
  await page.fill('#recipient', 'OPJ Essai');
  await page.click('text=Inscrire l\'extraction');
  assert.match(await page.locator('[role=status]').innerText(), /date de destruction/);
  assert.match(await page.locator('main table').innerText(), /en attente/);
  await fits(page);

  const dpo = await newPage(phone);
  await login(dpo, 'dpo@demo.maillage.fr', 'Protection-Donnees-Demo-2026!');
  await dpo.goto(`${base}/videoprotection`);
  assert.match(await dpo.locator('main').innerText(), /PV 2026\/TEST\/1/);
  await fits(dpo);

  const admin = await newPage(phone);
  await login(admin, 'admin@demo.maillage.fr', 'Administration-Demo-2026!');
  await admin.goto(`${base}/videoprotection/agents`);
  assert.match(await admin.locator('main').innerText(), /Sacha Témoin/);
  await fits(admin);
});
