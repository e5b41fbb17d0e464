// The desk in a real browser (Debian's chromium, driven by playwright-core).
//
// Started by tests/browser.rs, which makes the office, its accounts and the
// server, and passes them in the environment:
//   DESK_URL   the server's address (http://127.0.0.1:PORT)
//   OFFICE     the office folder the server works on (the test edits a case
//              file behind the desk's back through it)
//   PW         the password of every account
//   CLERK, RECEIVER   account names (登记员, 接收员)
//   CHROMIUM   the browser executable
//   SHOTS      optional: a folder to keep screenshots of the main pages in
//
// Each step prints one line; the first failure ends the run with exit 1 and
// says which step and why.

import fs from 'node:fs';
import path from 'node:path';
import { env, step, check, shot, launch, login, run, URL0, PW } from './lib.mjs';

const OFFICE = env('OFFICE');
const CLERK = env('CLERK');
const RECEIVER = env('RECEIVER');

const browser = await launch();

await run(browser, async () => {
  step('the login page refuses a wrong password');
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${URL0}/`);
    check(page.url().includes('/login'), `an anonymous visitor was not sent to the login page: ${page.url()}`);
    await shot(page, 'login');
    await page.fill('input[name="name"]', CLERK);
    await page.fill('input[name="password"]', 'not the password');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    check(page.url().includes('/login'), 'a wrong password logged in');
    check((await page.textContent('body')).includes('密码'), 'no message for a wrong password');
    await context.close();
  }

  step('the clerk logs in and sees the dashboard');
  const clerk = await login(browser, CLERK);
  const p = clerk.page;
  check((await p.textContent('body')).includes('工作台'), 'no 工作台 on the first page');
  await shot(p, 'dashboard');

  step('the case list masks identity numbers and phones');
  await p.goto(`${URL0}/cases`);
  await shot(p, 'cases');
  const listText = await p.textContent('body');
  check(!/\d{17}[\dXx]/.test(listText), 'a whole identity number in the case list');
  check(!/1[3-9]\d{9}/.test(listText), 'a whole mobile number in the case list');

  step('register a case with a mistake: the error stands at its field');
  await p.goto(`${URL0}/cases/new`);
  const fill = async (name, value) => {
    const el = p.locator(`[name="${name}"]`);
    const tag = await el.evaluate((e) => e.tagName);
    if (tag === 'SELECT') await el.selectOption({ label: value });
    else await el.fill(value);
  };
  await fill('arrival.received', '2026-11-20');
  await fill('petitioners[0].name', '周海燕');
  // One digit off: the check digit no longer matches.
  await fill('petitioners[0].id_number', '110101199003071234');
  await fill('petitioners[0].phone', '13912345678');
  await fill('petitioners[0].address', '城关镇幸福路8号');
  await fill('matter.summary', '反映小区门前道路破损，请求修复');
  await fill('matter.requests', '请求修复小区门前道路');
  if ((await p.locator('select[name="matter.category"]').count()) > 0) {
    await p.selectOption('select[name="matter.category"]', { index: 1 });
  } else {
    await fill('matter.category', '城乡建设');
  }
  await Promise.all([p.waitForNavigation(), p.click('form.form button[type="submit"]')]);
  const idErr = p.locator('.error[data-field="petitioners[0].id_number"]');
  check((await idErr.count()) > 0, `no error at the identity number: ${await p.textContent('main')}`);
  await shot(p, 'register-error');
  check((await p.inputValue('[name="petitioners[0].name"]')) === '周海燕', 'the entered name was lost');

  step('correct it: the case is registered');
  await fill('petitioners[0].id_number', '110101199003071233');
  await Promise.all([p.waitForNavigation(), p.click('form.form button[type="submit"]')]);
  const m = p.url().match(/\/cases\/(?!new$)([^/?#]+)$/);
  check(m, `not on a case page after registering: ${p.url()} ${await p.textContent('main')}`);
  const caseId = decodeURIComponent(m[1]);
  const caseFile = path.join(OFFICE, 'cases', `${caseId}.toml`);
  check(fs.existsSync(caseFile), `no case file ${caseFile}`);
  check((await p.textContent('main')).includes('110101199003071233'), 'the clerk does not see the whole number on the case page');
  await shot(p, 'case');

  step('a save based on an older version is refused, and the file is kept');
  const editLink = p.locator('a[href$="/edit/petitioners"]').first();
  check((await editLink.count()) > 0, 'no edit link on the case page');
  await editLink.click();
  await p.waitForLoadState();
  // Another clerk (here: the file itself) changes the case meanwhile.
  const before = fs.readFileSync(caseFile, 'utf8');
  const changed = before.replace('城关镇幸福路8号', '城关镇幸福路18号');
  check(changed !== before, 'the address is not in the case file as typed');
  fs.writeFileSync(caseFile, changed);
  const firstText = p.locator('form.form textarea, form.form input:not([type=hidden])').first();
  await firstText.fill(`${await firstText.inputValue()}（补充）`);
  await Promise.all([p.waitForNavigation(), p.click('form.form button[type="submit"]')]);
  const refusal = await p.textContent('main');
  check(/已被修改|已经被修改|changed/.test(refusal), `a stale save was not refused: ${refusal}`);
  check(fs.readFileSync(caseFile, 'utf8') === changed, 'the stale save changed the file');
  await shot(p, 'stale-edit');

  step('a state-changing request without the CSRF token is refused');
  const res = await p.request.post(`${URL0}/cases/new`, {
    form: { 'petitioners[0].name': '无令牌' },
    maxRedirects: 0,
  });
  check(res.status() === 403, `POST without token gave ${res.status()}`);

  step('render the papers of a case from its page, and preview one');
  await p.goto(`${URL0}/cases/XF-2026-0002`);
  check((await p.locator('a[href*="/papers/"]').count()) === 0, 'papers before rendering');
  await Promise.all([p.waitForNavigation(), p.click('form[action$="/render"] button')]);
  check(p.url().includes('/cases/XF-2026-0002'), `not back on the case page: ${p.url()}`);
  const paperLink = p.locator('a[href*="/papers/"][href$="inline=1"]').first();
  check((await paperLink.count()) > 0, `no paper after rendering: ${await p.textContent('main')}`);
  await shot(p, 'case-papers');
  const href = await paperLink.getAttribute('href');
  const pdfRes = await p.request.get(`${URL0}${href}`);
  check(pdfRes.status() === 200, `paper gave ${pdfRes.status()}`);
  check((pdfRes.headers()['content-type'] || '').startsWith('application/pdf'), 'paper is not served as application/pdf');
  check((pdfRes.headers()['content-disposition'] || '').startsWith('inline'), 'preview is not inline');
  check((await pdfRes.body()).subarray(0, 5).toString() === '%PDF-', 'paper is not a PDF');

  step('the statistics page shows the year');
  await p.goto(`${URL0}/stats`);
  check((await p.textContent('main')).includes('按期办结率'), 'no 按期办结率 on the statistics page');
  check(!/\d{17}[\dXx]/.test(await p.textContent('main')), 'a whole identity number in the statistics');
  await shot(p, 'stats');

  step('the receiver may not register cases');
  const recv = await login(browser, RECEIVER);
  const r403 = await recv.page.goto(`${URL0}/cases/new`);
  check(r403.status() === 403, `receiver got ${r403.status()} on the register page`);
  check(!(await recv.page.textContent('body')).includes('110101199003071233'), 'the receiver sees a whole identity number');

  step('logout');
  await p.goto(`${URL0}/`);
  await Promise.all([p.waitForNavigation(), p.click('form[action="/logout"] button')]);
  const after = await p.goto(`${URL0}/cases`);
  check(p.url().includes('/login') || after.status() === 401, 'still logged in after logout');

});
