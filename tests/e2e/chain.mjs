// A case through the whole chain in a real browser (Debian's chromium, driven
// by playwright-core), each person at their own desk:
//   the clerk drafts the handling opinion of XF-2026-0007 → the leader signs it
//   off → the clerk renders the papers, previews the 处理意见书, records its
//   delivery and closes the case → the archivist packs the year, followed live
//   → the receiver uploads that bundle, reads the 四性检测 report, accepts it
//   and downloads the receipt → the admin sees the audit trail intact.
//
// Started by tests/browser.rs on the office `anjuan demo` makes (its key,
// papers rendered and signed; it trusts its own key, so it can receive its
// own bundle), with these in the environment:
//   DESK_URL, OFFICE, PW, CLERK, LEADER, ARCHIVIST, RECEIVER, ADMIN, CHROMIUM,
//   WORK (a scratch folder for the downloaded bundle), SHOTS (optional).
//
// Each step prints one line; the first failure ends the run with exit 1.

import fs from 'node:fs';
import path from 'node:path';
import { env, step, check, shot, launch, login as signIn, run } from './lib.mjs';

const URL0 = env('DESK_URL');
const OFFICE = env('OFFICE');
const WORK = env('WORK');
const CASE = 'XF-2026-0007';

// Every page of a person's session is watched: a script error, a refused
// asset (CSP) or a server error fails the run.
const problems = [];
async function login(browser, name) {
  const { page } = await signIn(browser, name);
  page.on('pageerror', (e) => problems.push(`${name}: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`${name}: ${r.status()} ${r.url()}`);
  });
  return page;
}

async function submit(page, selector = 'form.form button[type="submit"]') {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

const browser = await launch();

await run(browser, async () => {
  step('the clerk drafts the handling opinion from the case page');
  const clerk = await login(browser, env('CLERK'));
  await clerk.goto(`${URL0}/cases/${CASE}`);
  const draft = clerk.locator(`a[href="/cases/${CASE}/edit/handling"]`);
  check((await draft.count()) > 0, `no 起草处理意见 link: ${await clerk.textContent('main')}`);
  await Promise.all([clerk.waitForNavigation(), draft.first().click()]);
  check((await clerk.textContent('main')).includes('待领导审签'), 'the form does not say the draft goes to the leader');
  await clerk.fill('[name="handling.date"]', '2026-11-20');
  await clerk.fill('[name="handling.facts"]', '经入户核查，信访人之子常年在杭州务工，所购车辆系二手车，价值不足3万元。');
  await clerk.fill(
    '[name="handling.investigation"]',
    '2026-11-13 上塘村后畈组 蒋晓东、杨爱琴：入户核查，信访人之子常年在杭州务工。',
  );
  await clerk.fill('[name="handling.legal_basis"]', '《社会救助暂行办法》第九条\n《最低生活保障审核确认办法》第十三条');
  await clerk.selectOption('[name="handling.decisions[0].outcome"]', { label: '支持' });
  await clerk.fill('[name="handling.decisions[0].reason"]', '车辆不影响家庭经济状况认定，恢复低保待遇。');
  await clerk.selectOption('[name="handling.decisions[1].outcome"]', { label: '支持' });
  // The second reason left empty: refused at its field, the rest kept.
  await clerk.fill('[name="handling.decisions[1].reason"]', '');
  await submit(clerk);
  const missing = clerk.locator('.error[data-field="handling.decisions[1].reason"]');
  check((await missing.count()) > 0, `no error at the empty reason: ${await clerk.textContent('main')}`);
  check((await clerk.inputValue('[name="handling.decisions[0].reason"]')).includes('恢复低保'), 'the first reason was lost');
  await shot(clerk, 'opinion-error');
  await clerk.fill('[name="handling.decisions[1].reason"]', '自恢复之月起补发停发期间的低保金。');
  await submit(clerk);
  check(clerk.url().endsWith(`/cases/${CASE}`), `not back on the case page: ${clerk.url()} ${await clerk.textContent('main')}`);
  check((await clerk.textContent('main')).includes('待审签'), 'the case page does not show the draft awaiting sign-off');

  step('the leader signs it off on 审批');
  const leader = await login(browser, env('LEADER'));
  await leader.goto(`${URL0}/approvals`);
  const signOff = `form[action="/approvals/${CASE}/sign-off"] button`;
  check((await leader.locator(signOff).count()) === 1, `no sign-off form for ${CASE}: ${await leader.textContent('main')}`);
  check((await leader.textContent('main')).includes('经入户核查'), 'the leader does not see the facts');
  await shot(leader, 'approvals');
  await submit(leader, signOff);
  await leader.goto(`${URL0}/cases/${CASE}`);
  check((await leader.textContent('main')).includes('已签发'), `not signed off: ${await leader.textContent('main')}`);

  step('the clerk renders the papers and previews the 处理意见书');
  await clerk.goto(`${URL0}/cases/${CASE}`);
  await submit(clerk, `form[action="/cases/${CASE}/render"] button`);
  const row = clerk.locator('#papers tr', { hasText: '处理意见书' });
  check((await row.count()) > 0, `no 处理意见书 after rendering: ${await clerk.textContent('#papers')}`);
  check((await row.first().textContent()).includes('已签名'), 'the 处理意见书 is not shown as signed');
  const preview = await row.first().locator('a[href$="inline=1"]').getAttribute('href');
  const pdf = await clerk.request.get(`${URL0}${preview}`);
  check(pdf.status() === 200 && (await pdf.body()).subarray(0, 5).toString() === '%PDF-', `the 处理意见书 preview gave ${pdf.status()}`);

  step('the clerk records the delivery of the opinion');
  await clerk.goto(`${URL0}/cases/${CASE}/edit/delivery`);
  const paperSel = clerk.locator('select[name$="].paper"]');
  const n = (await paperSel.getAttribute('name')).match(/deliveries\[(\d+)\]/)[1];
  const d = (f) => `[name="deliveries[${n}].${f}"]`;
  await clerk.selectOption(d('paper'), { label: '处理意见书' });
  await clerk.selectOption(d('method'), { label: '直接' });
  await clerk.fill(d('time'), '2026-11-21T10:00');
  await clerk.fill(d('place'), '青溪县柳河镇上塘村后畈组22号');
  await clerk.fill(d('recipient'), '杨翀');
  await clerk.fill(d('servers'), '蒋晓东\n李敏');
  await submit(clerk);
  check(clerk.url().endsWith(`/cases/${CASE}`), `delivery not saved: ${await clerk.textContent('main')}`);

  step('the clerk closes the case');
  await clerk.goto(`${URL0}/cases/${CASE}/edit/close`);
  await clerk.fill('[name="close.date"]', '2026-11-21');
  await clerk.selectOption('[name="close.basis"]', { label: '办结' });
  await clerk.fill('[name="close.note"]', '处理意见书已当面送达，信访人表示满意。');
  await submit(clerk);
  check(clerk.url().endsWith(`/cases/${CASE}`), `not closed: ${await clerk.textContent('main')}`);
  check((await clerk.textContent('main')).includes('已结案'), 'the case page does not say 已结案');
  const record = fs.readFileSync(path.join(OFFICE, 'cases', `${CASE}.toml`), 'utf8');
  check(record.includes('[close]') && record.includes('signed_off_on'), 'the case file lacks the close or the sign-off');
  await shot(clerk, 'case-closed');

  step('the clerk renders again: the 送达回证 and the register follow the record');
  await submit(clerk, `form[action="/cases/${CASE}/render"] button`);
  const receiptRow = clerk.locator('#papers tr', { hasText: '送达回证（处理意见书）' });
  check((await receiptRow.count()) > 0, `no 送达回证 of the opinion: ${await clerk.textContent('#papers')}`);

  step('the archivist packs the year, followed live');
  const archivist = await login(browser, env('ARCHIVIST'));
  await archivist.goto(`${URL0}/archive`);
  check((await archivist.textContent('main')).includes('X012-WS-2026-XFB'), 'no 2026 row on 归档');
  await shot(archivist, 'archive');
  await submit(archivist, 'form[action="/archive/pack"] button');
  check(/\/archive\/jobs\/\d+$/.test(archivist.url()), `not on the job page: ${archivist.url()}`);
  // Done or failed, whichever comes: the page says which (the script follows
  // the events; the status line changes when the job ends).
  await archivist.waitForFunction(() => {
    const s = document.querySelector('#job-status');
    return s && !s.textContent.includes('进行中');
  }, null, { timeout: 300000 });
  check((await archivist.textContent('#job-status')).includes('完成'), `the pack did not finish: ${await archivist.textContent('main')}`);
  const bundleHref = await archivist.getAttribute('#job-link', 'href');
  const zip = await archivist.request.get(`${URL0}${bundleHref}`);
  check(zip.status() === 200, `bundle download gave ${zip.status()}`);
  const zipPath = path.join(WORK, 'X012-WS-2026-XFB.zip');
  fs.writeFileSync(zipPath, await zip.body());
  check(fs.readFileSync(zipPath).subarray(0, 2).toString() === 'PK', 'the bundle is not a zip');

  step('the receiver uploads the bundle and reads the 四性检测 report');
  const receiver = await login(browser, env('RECEIVER'));
  await receiver.goto(`${URL0}/receive`);
  await receiver.setInputFiles('input[type="file"][name="file"]', zipPath);
  await submit(receiver, 'form[enctype="multipart/form-data"] button[type="submit"]');
  const report = await receiver.textContent('main');
  for (const p of ['真实性', '完整性', '可用性', '安全性', '通过，可以接收']) {
    check(report.includes(p), `the report lacks ${p}: ${report}`);
  }
  check(report.includes(CASE) || report.includes('X012-WS-2026-XFB'), 'the report does not name the bundle');
  await shot(receiver, 'verify-report');

  step('the receiver accepts it and downloads the receipt');
  await submit(receiver, 'form[action$="/accept"] button');
  check((await receiver.textContent('main')).includes('已出具接收回执'), `no receipt: ${await receiver.textContent('main')}`);
  await shot(receiver, 'receipt');
  const links = await receiver.locator('a[href^="/received/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const json = links.find((h) => decodeURIComponent(h).endsWith('.json') && decodeURIComponent(h).includes('接收回执'));
  check(json, `no receipt JSON link among ${links.join(' ')}`);
  const rc = await receiver.request.get(`${URL0}${json}`);
  check(rc.status() === 200, `receipt download gave ${rc.status()}`);
  const receipt = JSON.parse((await rc.body()).toString('utf8'));
  check(receipt['结论'] === 'accept', `the receipt says ${receipt['结论']}`);
  check(fs.existsSync(path.join(OFFICE, '接收', 'X012-WS-2026-XFB', 'X012-WS-2026-XFB.zip')), 'the accepted bundle is not kept in 接收/');

  step('the clerk may not pack, the receiver may not sign off');
  check((await clerk.goto(`${URL0}/archive`)).status() === 403, 'the clerk reached 归档');
  check((await receiver.goto(`${URL0}/approvals`)).status() === 403, 'the receiver reached 审批');

  step('the admin sees the audit trail intact, and the accounts');
  const admin = await login(browser, env('ADMIN'));
  await admin.goto(`${URL0}/audit`);
  check((await admin.locator('#intact').count()) === 1, `the trail is not intact: ${await admin.textContent('main')}`);
  const trail = await admin.textContent('#audit');
  for (const a of ['opinion.signoff', 'delivery.record', 'case.close', 'pack.done', 'bundle.accept', 'receipt']) {
    check(trail.includes(a), `no ${a} in the audit trail page`);
  }
  await shot(admin, 'audit');
  await admin.goto(`${URL0}/users`);
  await shot(admin, 'users');
  await clerk.goto(`${URL0}/ledger`);
  await shot(clerk, 'ledger');

  check(problems.length === 0, `errors on the way: ${problems.join(' | ')}`);
});
