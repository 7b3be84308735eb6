// Browser tests at a phone's width (390 × 844): every page fits the screen, the maps show the
// whole commune, the clickable map of the form places a point where a tap lands, tables read as
// cards, and each role's start page passes axe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, axe, login, base } from './harness.mjs';

setup();

const phone = { viewport: { width: 390, height: 844 } };

async function fits(page, path) {
  const response = await page.goto(`${base}${path}`);
  assert.equal(response.status(), 200, path);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${path} wider than the screen by ${overflow}px`);
  await axe(page);
}

test('every page fits a phone, for each role, and each starts on its own work', async () => {
  const coord = await newPage(phone);
  await login(coord, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  assert.match(await coord.locator('h1').innerText(), /À faire/);
  const id = (await coord.locator('main table a').first().getAttribute('href')).match(/\d+/)[0];
  for (const path of ['/', '/signalements', '/signalements/carte', '/signalements/statistiques',
    '/signalements/statistiques?groupe=organisation', `/signalements/${id}`, '/signalements/nouveau', '/organisations', '/strategie']) {
    await fits(coord, path);
  }
  const admin = await newPage(phone);
  await login(admin, 'admin@demo.maillage.fr', 'Administration-Demo-2026!');
  assert.match(admin.url(), /\/admin\/comptes$/);
  for (const path of ['/admin/comptes', '/admin/signalements', '/admin/sigles', '/journal']) await fits(admin, path);
  const partner = await newPage(phone);
  await login(partner, 'bailleur@demo.maillage.fr', 'Bailleur-Demo-2026!');
  assert.match(await partner.locator('h1').innerText(), /Signalements de Habitat Exemple/);
  await fits(partner, '/');
  const elected = await newPage(phone);
  await login(elected, 'elu@demo.maillage.fr', 'Lecture-Elu-Demo-2026!');
  assert.match(await elected.locator('h1').innerText(), /Chiffres clés/);
  await fits(elected, '/');
  const dpo = await newPage(phone);
  await login(dpo, 'dpo@demo.maillage.fr', 'Protection-Donnees-Demo-2026!');
  assert.match(dpo.url(), /\/journal$/);
});

test('every report page of a list page fits a phone (long labels, QPV, answers)', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.goto(`${base}/signalements`);
  const hrefs = await page.evaluate(() =>
    [...new Set([...document.querySelectorAll('main table a')].map((a) => a.getAttribute('href')))]);
  assert.ok(hrefs.length >= 40, `${hrefs.length} reports listed`);
  const wide = [];
  for (const href of hrefs) {
    await page.goto(`${base}${href}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) wide.push(`${href} +${overflow}px`);
  }
  assert.deepEqual(wide, []);
});

test('on a phone the maps show the whole commune and the report\'s point, and tables read as cards', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await page.goto(`${base}/signalements/carte`);
  const inside = () => page.evaluate(() => {
    const svg = document.querySelector('.map-wrap svg').getBoundingClientRect();
    const points = [...document.querySelectorAll('.map-wrap svg circle, .map-wrap svg path')].map((e) => e.getBoundingClientRect());
    const out = points.filter((r) => r.left < svg.left - 1 || r.right > svg.right + 1);
    return { svgRight: svg.right, width: window.innerWidth, points: points.length, out: out.length };
  });
  let r = await inside();
  assert.ok(r.svgRight <= r.width, `the map ends at ${r.svgRight}px on a ${r.width}px screen`);
  assert.ok(r.points > 300 && r.out === 0, `${r.out} of ${r.points} shapes off the map`);
  // A report's own point, drawn as a cross, is on screen.
  await page.goto(`${base}/signalements?etat=ouverts`);
  const href = await page.locator('main table a').first().getAttribute('href');
  await page.goto(`${base}${href}`);
  const cross = await page.evaluate(() => document.querySelector('.map-wrap svg g line').getBoundingClientRect().right);
  assert.ok(cross <= 390, `the report's point at ${cross}px`);
  // The list: the header is set aside, each cell says what it is.
  await page.goto(`${base}/signalements`);
  const cell = await page.evaluate(() => {
    const td = document.querySelector('table.cards tbody td:nth-child(6)');
    return { display: getComputedStyle(td).display, label: getComputedStyle(td, '::before').content };
  });
  assert.deepEqual(cell, { display: 'block', label: '"État : "' });
});

test('a tap on the phone\'s map places the point where a click on the full map would', async () => {
  const place = async (viewport, selector, x, y) => {
    const page = await newPage({ viewport });
    await login(page, 'bailleur@demo.maillage.fr', 'Bailleur-Demo-2026!');
    await page.goto(`${base}/signalements/nouveau`);
    assert.ok(await page.locator(selector).isVisible(), `${selector} shown at ${viewport.width}px`);
    await Promise.all([page.waitForNavigation(), page.click(selector, { position: { x, y } })]);
    await axe(page);
    return [Number(await page.inputValue('#lat')), Number(await page.inputValue('#lon'))];
  };
  const [lat1, lon1] = await place({ width: 1200, height: 900 }, 'input[name=carte]', 300, 200);
  const [lat2, lon2] = await place(phone.viewport, 'input[name=carte_petite]', 150, 100);
  assert.ok(lat1 > 48.9 && lat1 < 48.95 && lon1 > 2.25 && lon1 < 2.34, `${lat1} ${lon1}`);
  assert.ok(Math.abs(lat1 - lat2) < 1e-4 && Math.abs(lon1 - lon2) < 1e-4, `${lat1},${lon1} vs ${lat2},${lon2}`);
});
