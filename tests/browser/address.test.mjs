// The address look-up in a browser, with a real addok behind the demo: the agent types an
// address, picks the one found, and the point is placed there. axe-core runs on each page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, axe, login, base } from './harness.mjs';

setup({ addok: true });

test('an address typed on the form is found and places the point', async () => {
  const agent = await newPage();
  await login(agent, 'bailleur@demo.maillage.fr', 'Bailleur-Demo-2026!');
  await agent.goto(`${base}/signalements/nouveau`);
  await agent.fill('#adresse', '40 avenue gabriel peri');
  await agent.click('button[value=adresse]');
  const choice = agent.getByRole('button', { name: '40 Avenue Gabriel Péri 92230 Gennevilliers' });
  await choice.waitFor();
  await axe(agent);
  await choice.click();
  assert.equal(await agent.inputValue('#lat'), '48.9391');
  assert.equal(await agent.inputValue('#lon'), '2.3064');
  assert.equal(await agent.inputValue('#adresse'), '40 Avenue Gabriel Péri 92230 Gennevilliers');
  // An address of another town is not offered.
  await agent.fill('#adresse', '12 rue de rivoli');
  await agent.click('button[value=adresse]');
  assert.match(await agent.locator('.error-summary').innerText(), /Aucune adresse de la commune/);
  await axe(agent);
});
