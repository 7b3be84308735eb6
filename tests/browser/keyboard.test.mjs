// Beyond axe: the public pages and the meeting pages as a keyboard user and a screen reader
// meet them, at a phone's width and a desktop's.
// - Keyboard: the first Tab reaches the skip link, which moves the focus to the content; Tab
//   then walks every control in the page's order (no positive tabindex), each one on screen
//   and drawn with a visible focus outline; the two-tap path to victim support works with the
//   keyboard alone.
// - Screen reader: the accessibility tree Chromium gives assistive technologies (over the
//   DevTools protocol) has the page's landmarks, one level-1 heading, and a name for every
//   link, button and form field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, login, base, phone } from './harness.mjs';

setup();

const desktop = { viewport: { width: 1280, height: 900 } };

/** The focused element, as the checks need it. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || el.id || '').trim().slice(0, 60),
    visible: r.width > 0 && r.height > 0 && cs.visibility !== 'hidden',
    outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
    style: `${cs.outlineStyle} ${cs.outlineWidth} focus=${el.matches(':focus')} visible=${el.matches(':focus-visible')}`,
    onScreen: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
  };
});

/** Tabs through the whole page from its top: every stop is visible, on screen and outlined. */
async function walk(page) {
  const positive = await page.locator('[tabindex]:not([tabindex="0"]):not([tabindex="-1"])').count();
  assert.equal(positive, 0, `a positive tabindex reorders the keyboard's path on ${page.url()}`);
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  const stops = [];
  for (let i = 0; i < 400; i += 1) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (!f) break;
    const key = `${f.tag}:${f.text}`;
    // Back at the first stop: the whole page was walked.
    if (stops.length > 0 && key === stops[0]) break;
    stops.push(key);
    assert.ok(f.visible, `focus on something invisible (${key}) on ${page.url()}`);
    assert.ok(f.onScreen, `focus off screen (${key}) on ${page.url()}`);
    assert.ok(f.outline, `no visible focus outline on ${key} on ${page.url()} (${f.style})`);
  }
  assert.ok(stops.length > 3, `the keyboard reaches the controls of ${page.url()}: ${stops}`);
  return stops;
}

/** The accessibility tree a screen reader gets: landmarks, one h1, every control named. */
async function screenReader(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const live = nodes.filter((n) => !n.ignored);
  const roles = live.map((n) => n.role?.value);
  for (const landmark of ['banner', 'navigation', 'main', 'contentinfo']) {
    assert.ok(roles.includes(landmark), `no ${landmark} landmark on ${page.url()}`);
  }
  const level = (n) => n.properties?.find((p) => p.name === 'level')?.value?.value;
  const h1 = live.filter((n) => n.role?.value === 'heading' && level(n) === 1);
  assert.equal(h1.length, 1, `one level-1 heading on ${page.url()}`);
  const controls = ['link', 'button', 'textbox', 'combobox', 'checkbox', 'radio', 'searchbox', 'spinbutton', 'listbox'];
  const unnamed = live.filter((n) => controls.includes(n.role?.value) && !(n.name?.value ?? '').trim());
  assert.deepEqual(unnamed.map((n) => `${n.role.value}#${n.backendDOMNodeId}`), [], `controls without a name on ${page.url()}`);
  await cdp.detach();
}

const publicPages = ['/', '/aide', '/livret', '/actualites', '/chiffres', '/accessibilite', '/donnees-personnelles', '/mentions-legales', '/connexion'];

for (const [name, size] of [['phone', phone], ['desktop', desktop]]) {
  test(`public pages with the keyboard and a screen reader (${name})`, async () => {
    const page = await newPage(size);
    for (const path of publicPages) {
      await page.goto(`${base}${path}`);
      await page.keyboard.press('Tab');
      const first = await focused(page);
      assert.equal(first?.text, 'Aller au contenu', `the skip link comes first on ${path}`);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'contenu', `the skip link moves the focus on ${path}`);
      await walk(page);
      await screenReader(page);
    }
  });
}

test('a visitor reaches victim support with the keyboard alone', async () => {
  const page = await newPage(phone);
  await page.goto(`${base}/`);
  // Tab to the home's tile, follow it, then to the victims' chip.
  const tabTo = async (label) => {
    for (let i = 0; i < 80; i += 1) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (f?.text.startsWith(label)) return;
    }
    assert.fail(`${label} not reached with Tab on ${page.url()}`);
  };
  await page.locator('main').focus();
  await tabTo('Trouver de l\'aide');
  await Promise.all([page.waitForURL(/\/aide$/), page.keyboard.press('Enter')]);
  await tabTo('Aide aux victimes');
  await page.keyboard.press('Enter');
  assert.equal(new URL(page.url()).hash, '#victimes');
  assert.match(await page.locator('section[aria-labelledby="victimes"]').innerText(), /France Victimes/);
});

test('the meetings and the main pages, as the coordinator, with the keyboard and a screen reader', async () => {
  const page = await newPage(phone);
  await login(page, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  for (const path of ['/reunions', '/reunions/1', '/reunions/nouvelle', '/site-public', '/strategie', '/signalements', '/signalements/nouveau',
    '/activites', '/evaluation', '/evaluation/conclusions', '/evaluation/indicateurs', '/observatoire', '/marches', '/alertes', '/videoprotection']) {
    assert.equal((await page.goto(`${base}${path}`)).status(), 200, path);
    await walk(page);
    await screenReader(page);
  }
  // A refused document: the error summary is announced and leads to the field in error.
  await page.goto(`${base}/reunions/1`);
  await page.fill('#document-title', 'Notes');
  await page.setInputFiles('#document-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('texte') });
  await page.click('text=Joindre le document');
  const summary = page.locator('.error-summary[role=alert]');
  assert.match(await summary.innerText(), /seuls les PDF/);
  await summary.locator('a').first().focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'document-file', 'the summary leads to the field');
  assert.equal(await page.getAttribute('#document-file', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#document-file', 'aria-describedby'), /document-file-error/);
  await screenReader(page);
});
