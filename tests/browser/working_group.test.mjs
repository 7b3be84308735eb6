// A member's path through a working group, at a phone's width, with axe on every page: the
// group says access is suspended without a second factor; the member enrols (QR code and
// secret drawn by the server), confirms with a code, finds that the person is not followed
// yet, records a situation (the form first refused, each fault beside its field), then an
// action; the archive asks for a reason before it shows anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setup, newPage, axe, login, base } from './harness.mjs';

setup();

const phone = { viewport: { width: 390, height: 844 } };

// RFC 6238 with SHA-1, 30 s, 6 digits: what an authenticator application shows.
function totp(secret, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offset));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

async function fits(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${page.url()} wider than the screen by ${overflow}px`);
  await axe(page);
}

test('a member enrols a second factor and records a situation and an action', async () => {
  const page = await newPage(phone);
  await login(page, 'commissariat@demo.maillage.fr', 'Commissariat-Demo-2026!');
  await page.goto(`${base}/groupes`);
  await fits(page);
  await page.click('main a:has-text("Cellule de Veille Éducative")');
  assert.match(await page.locator('main').innerText(), /double authentification/);
  await fits(page);
  assert.equal(await page.locator('main a:has-text("Situations suivies")').count(), 0, 'no way in yet');

  await page.goto(`${base}/compte`);
  await page.click('main button:has-text("Activer la double authentification")');
  assert.equal(await page.locator('main svg[role=img]').count(), 1, 'a QR code drawn by the server');
  await fits(page);
  const secret = (await page.locator('code.secret').innerText()).trim();
  await page.fill('#code', totp(secret));
  await page.click('main button[type=submit]');
  assert.match(await page.locator('h1').innerText(), /Codes de secours/);
  await fits(page);

  await page.goto(`${base}/groupes`);
  await page.click('main a:has-text("Cellule de Veille Éducative")');
  await page.click('main a:has-text("Situations suivies")');
  assert.match(await page.locator('main').innerText(), /enregistrées dans le journal des accès/);
  await fits(page);

  await page.fill('#l-surname', 'Nouvelle-Essai');
  await page.fill('#l-first_name', 'Anaïs');
  await page.fill('#l-birth_date', '2013-06-15');
  await page.click('main form[action$="/recherche"] button');
  assert.match(await page.locator('[role=status]').innerText(), /Aucune situation/);
  await fits(page);

  await page.click('main a:has-text("Nouvelle situation")');
  await fits(page);
  await page.fill('#surname', 'Nouvelle-Essai');
  await page.fill('#first_name', 'Anaïs');
  await page.selectOption('#sex', 'F');
  await page.fill('#birth_date', '2099-06-15');
  await page.selectOption('#school_or_job', 'college');
  await page.fill('#rep1_surname', 'Nouvelle-Essai');
  await page.selectOption('#origin', 'education');
  await page.selectOption('#programme', 'cve');
  await page.click('main form button[type=submit]');
  assert.match(await page.title(), /^Erreur/);
  assert.equal(await page.locator('#birth_date[aria-invalid=true]').count(), 1, 'a birth date in the future');
  assert.equal(await page.locator('#rep1_surname[aria-invalid=true]').count(), 1, 'a representative without a first name');
  assert.equal(await page.inputValue('#surname'), 'Nouvelle-Essai', 'what was typed stays');
  await fits(page);
  await page.fill('#birth_date', '2013-06-15');
  await page.fill('#rep1_first_name', 'Karim');
  await page.click('main form button[type=submit]');
  assert.match(await page.locator('h1').innerText(), /NOUVELLE-ESSAI Anaïs/);
  await fits(page);

  await page.selectOption('#a-kind', 'entretien');
  await page.selectOption('#a-result', 'en_cours');
  await page.fill('#a-note', 'Rendez-vous pris avec le collège.');
  await page.click('main form[action$="/actions"] button');
  assert.match(await page.locator('#actions ~ div table').innerText(), /Rendez-vous pris avec le collège/);
  await fits(page);

  const caseUrl = page.url().replace(/#.*$/, '');
  const name = 'NOUVELLE-ESSAI Anaïs';

  // A meeting of the group, the situation examined, a decision with its lead and follow-up.
  await page.goto(caseUrl.replace(/\/situations\/\d+$/, '/reunions'));
  await fits(page);
  await page.fill('#place', 'Salle du conseil');
  await page.click('main form[action$="/reunions"] button');
  assert.match(await page.locator('h1').innerText(), /Réunion du/);
  await fits(page);
  await page.check('main input[name=present] >> nth=0');
  await page.click('main form[action$="/presences"] button');
  await page.selectOption('#d-case', await page.locator('#d-case option', { hasText: name }).getAttribute('value'));
  await page.selectOption('#d-kind', 'orientation');
  await page.fill('#d-text', 'Orientation vers le programme de réussite éducative.');
  await page.selectOption('#d-lead', { index: 1 });
  await page.fill('#d-follow_up_on', '2099-01-15');
  await page.click('main form[action$="/decisions"] button');
  assert.match(await page.locator('main table').last().innerText(), /Orientation vers le programme de réussite éducative/);
  await fits(page);
  // The relevé de conclusions and the dashboard name nobody.
  await page.click('main a:has-text("Relevé de conclusions")');
  const releve = await page.locator('main').innerText();
  assert.match(releve, /Orientation vers un dispositif/);
  assert.doesNotMatch(releve, /NOUVELLE-ESSAI|Anaïs|réussite éducative\./);
  await fits(page);
  await page.click('main a:has-text("Tableau de bord")');
  assert.doesNotMatch(await page.locator('main').innerText(), /NOUVELLE-ESSAI|Anaïs/);
  await fits(page);

  await page.goto(caseUrl.replace(/\/situations\/\d+$/, '/situations/archives'));
  await fits(page);
  await page.click('main table a');
  assert.match(await page.locator('main').innerText(), /Motif de la consultation/);
  await fits(page);
  await page.selectOption('#reason', 'controle');
  await page.click('main form button');
  assert.match(await page.locator('main').innerText(), /ouverte pour le motif/);
  await fits(page);
});

test('the public notice, the register, the yearly report and the victim reception log pass axe on a phone', async () => {
  const visitor = await newPage(phone);
  await visitor.goto(`${base}/information-groupes-de-travail`);
  assert.match(await visitor.locator('h1').innerText(), /Information des personnes/);
  await fits(visitor);
  const coord = await newPage(phone);
  await login(coord, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  for (const path of ['/groupes', '/groupes/registre', '/groupes/1/bilan', '/groupes/1/tableau-de-bord']) {
    await coord.goto(`${base}${path}`);
    await fits(coord);
  }
  await coord.goto(`${base}/accueil-victimes`);
  await fits(coord);
  await coord.selectOption('#fact_kind', 'vol_cambriolage');
  await coord.selectOption('#age_band', 'plus_60');
  await coord.selectOption('#sex', 'F');
  await coord.selectOption('#orientation', 'aide_victimes');
  await coord.click('main form button[type=submit]');
  assert.match(await coord.locator('[role=status]').innerText(), /Accueil enregistré/);
  await fits(coord);
  await coord.click('main a:has-text("Chiffres de l")');
  await fits(coord);
});

test('a community-service member records a placement; posts, trainings and figures pass axe on a phone', async () => {
  const page = await newPage(phone);
  await login(page, 'spip@demo.maillage.fr', 'Probation-Demo-2026!');
  // The next step's code: the demo's enrolment has just used the current one.
  await page.fill('#code', totp('ONYGS4BNMRSW23ZNORUWOLJSGAZDMIJB', 1));
  await page.click('main button[type=submit]');
  await page.goto(`${base}/groupes`);
  await page.click('main a:has-text("Suivi des travaux d")');
  await page.click('main a:has-text("Mesures TIG et de réparation")');
  assert.match(await page.locator('main').innerText(), /enregistrées dans le journal des accès/);
  await fits(page);

  // A name typed as the reference is refused beside its field, and what was typed stays.
  await page.fill('#reference', 'Dupont Kevin');
  await page.selectOption('#referrer', 'spip');
  await page.selectOption('#measure', 'tig');
  await page.selectOption('#sex', 'F');
  await page.selectOption('#age_band', '26_plus');
  await page.fill('#hours_ordered', '60');
  await page.click('main form button[type=submit]');
  assert.match(await page.title(), /^Erreur/);
  assert.equal(await page.locator('#reference[aria-invalid=true]').count(), 1);
  assert.equal(await page.inputValue('#hours_ordered'), '60');
  await fits(page);
  await page.fill('#reference', 'SPIP-NAV-0042');
  await page.selectOption('#post_id', { index: 1 });
  await page.click('main form button[type=submit]');
  assert.match(await page.locator('[role=status]').innerText(), /Mesure enregistrée/);
  await page.click('main a:has-text("SPIP-NAV-0042")');
  assert.match(await page.locator('h1').innerText(), /SPIP-NAV-0042/);
  await fits(page);

  await page.goto(`${base}/travaux-interet-general`);
  await fits(page);
  await page.goto(`${base}/travaux-interet-general/chiffres`);
  await fits(page);

  const coord = await newPage(phone);
  await login(coord, 'coordination@demo.maillage.fr', 'Coordination-Demo-2026!');
  await coord.goto(`${base}/travaux-interet-general`);
  await fits(coord);
  await coord.fill('#t-title', 'Le rôle du tuteur');
  await coord.fill('#t-organised_with', 'PJJ');
  await coord.fill('#t-tutors_trained', '1');
  await coord.check('main input[name=post] >> nth=4');
  await coord.click('main form[action$="/formations"] button');
  assert.match(await coord.locator('[role=status]').innerText(), /Formation enregistrée/);
  await fits(coord);
  await coord.click('main table a >> nth=0');
  await fits(coord);
  await coord.goto(`${base}/travaux-interet-general/chiffres`);
  assert.match(await coord.locator('main').innerText(), /Délai médian/);
  await fits(coord);
});
