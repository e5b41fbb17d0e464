// The archivist's 归档 page in a real browser: a pack started from the page,
// followed live by /assets/archive.js over server-sent events (under the
// desk's Content-Security-Policy: no inline script), ending in the bundle's
// download link.
//
// Started by tests/browser.rs on the office `anjuan demo` makes (its key, its
// papers rendered and signed):
//   DESK_URL, PW, ARCHIVIST (档案员), CHROMIUM; SHOTS optional.

import { env, step, check, shot, launch, run, URL0, PW } from './lib.mjs';

const ARCHIVIST = env('ARCHIVIST');

const browser = await launch();

await run(browser, async () => {
  step('the archivist logs in and opens 归档');
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const p = await context.newPage();
  const errors = [];
  // Console errors (a CSP refusal is one), and failed loads other than the favicon.
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  p.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
  });
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`${URL0}/login`);
  await p.fill('input[name="name"]', ARCHIVIST);
  await p.fill('input[name="password"]', PW);
  await Promise.all([p.waitForNavigation(), p.click('button[type="submit"]')]);
  await p.goto(`${URL0}/archive`);
  check((await p.textContent('main')).includes('X012-WS-2026-XFB.zip'), `no 2026 bundle row: ${await p.textContent('main')}`);

  step('start the pack: the job page follows it by server-sent events');
  await Promise.all([p.waitForNavigation(), p.click('form[action="/archive/pack"] button')]);
  check(/\/archive\/jobs\/\d+$/.test(p.url()), `not on the job page: ${p.url()}`);
  const atLoad = await p.getAttribute('#job', 'data-status');
  await p.locator('#job-done').waitFor({ state: 'visible', timeout: 120000 });
  check((await p.textContent('#job-status')).includes('完成'), `not done: ${await p.textContent('main')}`);
  check((await p.textContent('#job-link')) === 'X012-WS-2026-XFB.zip', 'no bundle link');
  if (atLoad === 'running') {
    check((await p.getAttribute('#job', 'data-live')) === '1', 'the script did not follow the events');
    check(await p.locator('#job-running').isHidden(), 'the progress is still shown');
  } else {
    console.log(`note: the pack ended (${atLoad}) before the page loaded; the page showed it without script`);
  }
  check(errors.length === 0, `console errors (CSP?): ${errors.join(' | ')}`);
  await shot(p, 'archive-job');

  step('download the bundle from the link');
  const href = await p.getAttribute('#job-link', 'href');
  const res = await p.request.get(`${URL0}${href}`);
  check(res.status() === 200, `download gave ${res.status()}`);
  check((res.headers()['content-disposition'] || '').startsWith('attachment'), 'not an attachment');
  check((await res.body()).subarray(0, 2).toString() === 'PK', 'not a zip');

});
