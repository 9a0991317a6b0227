// page.test.mjs — the web page of `talentflow serve`, driven in Debian's chromium.
//
//   node tests/browser/page.test.mjs URL CHROMIUM SCREENSHOT.png
//
// Started by `test_serve browser` (tests/serve), which starts the server first and skips
// (exit 77) when chromium, node or playwright-core is missing. As a person would: fill
// the form, choose Decide, read the decision, check that its explanation shows the
// citation and the rulebook line, read the points and the residence timeline, move the
// "what changed" slider with the keyboard, and save a screenshot. Also checks that
// every form control has a label. Prints one line per check and "N passed, N failed".
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const [url, executablePath, screenshot] = process.argv.slice(2);
if (!url || !executablePath || !screenshot) {
  console.error('usage: node page.test.mjs URL CHROMIUM SCREENSHOT.png');
  process.exit(2);
}

let passed = 0, failed = 0;
async function check(what, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${what}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${what}: ${e.message.split('\n')[0]}`);
  }
}
function expect(cond, msg) { if (!cond) throw new Error(msg); }

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.setDefaultTimeout(20000);

  await check('the page loads with the bundled country names', async () => {
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('#nationality option').length > 200);
    const fr = await page.$eval('#nationality option[value="FR"]', (o) => o.textContent);
    expect(fr === 'France (FR)', `FR is shown as "${fr}"`);
    const meta = await page.textContent('#rules-meta');
    expect(/Rule set [0-9a-f]{8}/.test(meta), `no rule set version in "${meta}"`);
  });

  await check('every form control has a label', async () => {
    const unlabeled = await page.$$eval('input, select, button', (els) => els
      .filter((e) => e.type !== 'hidden')
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
      .map((e) => e.id || e.outerHTML.slice(0, 60)));
    expect(unlabeled.length === 0, `unlabeled: ${unlabeled.join(', ')}`);
  });

  await check('a French business visitor: visa-free, with reasons', async () => {
    await page.selectOption('#nationality', 'FR');
    await page.selectOption('#destination', 'CN');
    await page.selectOption('#purpose', 'business');
    await page.fill('#entry-date', '2025-03-10');
    await page.fill('#days', '25');
    await page.click('#decide');
    await page.waitForSelector('#outcome');
    const outcome = await page.getAttribute('#outcome', 'data-outcome');
    expect(outcome === 'visa_free', `outcome ${outcome}`);
    const text = await page.textContent('#decision');
    expect(text.includes('Visa-free'), 'the outcome is not said in words');
    expect(text.includes('2025-04-09'), 'no latest departure 2025-04-09');
    expect(text.includes('cn.entry.unilateral'), 'no deciding rule');
  });

  await check('the explanation shows its citation and the rulebook line', async () => {
    const cits = await page.$$eval('#decision .citation', (els) => els.map((e) => ({
      text: e.textContent, href: e.querySelector('a') && e.querySelector('a').href })));
    expect(cits.length > 0, 'no citation shown');
    expect(cits[0].text.startsWith('Source: '), `citation "${cits[0].text}"`);
    expect(cits[0].href && cits[0].href.startsWith('http'), 'the citation has no link');
    const at = await page.textContent('#decision .reasons .at:last-child');
    expect(/rulebooks\/cn\/entry\.rules:\d+:\d+/.test(at), `no rulebook line in "${at}"`);
  });

  await check('the points under every scheme, side by side', async () => {
    await page.waitForSelector('#points .scheme');
    const schemes = await page.$$eval('#points .scheme h3', (els) => els.map((e) => e.textContent));
    expect(schemes.length >= 5, `${schemes.length} schemes`);
    const factors = await page.$$eval('#points .scheme tbody tr', (els) => els.length);
    expect(factors > 10, `${factors} factor rows`);
  });

  await check('the residence timeline with each route\'s earliest date', async () => {
    await page.waitForSelector('#pathways svg');
    const absences = await page.$$eval('#pathways svg rect[fill="#a3161b"]', (els) => els.length);
    expect(absences === 2, `${absences} absences drawn`);
    const routes = await page.$$eval('#pathways table.routes tbody tr', (els) => els.length);
    expect(routes >= 1, `${routes} routes`);
  });

  await check('a German tourist on 2024-11-29: visa required, failed clauses shown', async () => {
    await page.selectOption('#nationality', 'DE');
    await page.selectOption('#purpose', 'tourism');
    await page.fill('#entry-date', '2024-11-29');
    await page.fill('#days', '20');
    await page.click('#decide');
    await page.waitForSelector('#outcome[data-outcome="visa_required"]');
    const fails = await page.$$eval('#decision .reasons li.fails', (els) => els.length);
    expect(fails > 0, 'no failed clause shown');
  });

  await check('the decision form works from the keyboard alone', async () => {
    await page.selectOption('#nationality', 'FR');
    await page.selectOption('#purpose', 'business');
    await page.fill('#entry-date', '2025-03-10');
    await page.fill('#days', '25');
    await page.focus('#as-of');
    let focused = '';
    for (let i = 0; i < 5 && focused !== 'decide'; i++) { // a date field has a stop per part
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement.id);
    }
    expect(focused === 'decide', `Tab from the as-of date reached "${focused}", not Decide`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#outcome[data-outcome="visa_free"]');
  });

  await check('"what changed" in China\'s entry rules, with the date slider', async () => {
    await page.waitForFunction(() => Number(document.querySelector('#change-slider').max) > 10);
    await page.focus('#change-slider');
    await page.keyboard.press('Home');
    const first = await page.textContent('#change-date');
    expect(first === '2013-01-01', `first change ${first}`);
    const list = await page.textContent('#change-list');
    expect(list.includes('72-hour visa-free transit'), 'the 72-hour transit start is not shown');
    await page.evaluate(() => {
      const s = document.querySelector('#change-slider');
      const i = [...document.querySelectorAll('#change-axis .tick')].length;
      for (let k = 0; k < i; k++) { s.value = String(k); s.dispatchEvent(new Event('input')); if (document.querySelector('#change-date').textContent === '2024-12-17') break; }
    });
    const dec17 = await page.textContent('#change-list');
    expect(dec17.includes('240-hour visa-free transit'), 'the 240-hour transit start is not shown on 2024-12-17');
  });

  await check('the page is light: under 100 KB transferred, interactive in under 2 s', async () => {
    const fresh = await browser.newPage();
    let bytes = 0;
    fresh.on('response', async (r) => { try { bytes += (await r.body()).length; } catch { /* redirect */ } });
    const t0 = Date.now();
    await fresh.goto(url);
    await fresh.waitForFunction(() => document.querySelectorAll('#nationality option').length > 200);
    const ms = Date.now() - t0;
    await fresh.waitForLoadState('networkidle');
    await fresh.close();
    console.log(`   page: ${bytes} bytes (its files, the country list, the catalog, China's changes), ready in ${ms} ms`);
    expect(ms < 2000, `ready in ${ms} ms`);
    expect(bytes < 100000, `${bytes} bytes`);
  });

  await check('no accessibility violation (axe-core, WCAG 2 A and AA) with a decision shown', async () => {
    // axe is injected as a script, which the page's own Content-Security-Policy forbids:
    // this page alone bypasses it.
    const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const a11y = await ctx.newPage();
    await a11y.goto(url);
    await a11y.waitForFunction(() => document.querySelectorAll('#nationality option').length > 200);
    await a11y.click('#decide');
    await a11y.waitForSelector('#outcome');
    await a11y.waitForSelector('#pathways svg');
    await a11y.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const result = await a11y.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return r.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}): ${v.help}`);
    });
    await ctx.close();
    expect(result.length === 0, result.join('; '));
  });

  await check('no script error', async () => {
    expect(errors.length === 0, errors.join('; '));
  });

  await page.evaluate(() => document.querySelector('#outcome').scrollIntoView());
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
} finally {
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
