// What the browser scripts share: the environment tests/browser.rs passes,
// the step log, screenshots, the browser itself and signing in.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

/** A variable tests/browser.rs sets; its absence is a clear error. */
export const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set (tests/browser.rs sets it)`);
  return v;
};

export const URL0 = env('DESK_URL');
export const PW = env('PW');
const SHOTS = process.env.SHOTS || '';

let stepName = '';
/** Starts a step: one line on the log, named again if it fails. */
export const step = (name) => {
  stepName = name;
  console.log(`step: ${name}`);
};
export const check = (ok, what) => {
  if (!ok) throw new Error(what);
};

/** A full-page screenshot into $SHOTS, when it is set. */
export async function shot(page, name) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Debian's chromium (or $CHROMIUM), headless, as the README says. */
export const launch = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });

/** A new browser context signed in as `name`: { context, page }. */
export async function login(browser, name) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${URL0}/login`);
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="password"]', PW);
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  check(!page.url().endsWith('/login'), `${name} could not log in: ${await page.textContent('body')}`);
  return { context, page };
}

/** Runs the steps; the first failure names its step and sets exit code 1. */
export async function run(browser, steps) {
  try {
    await steps();
    console.log('ok: every step passed');
  } catch (e) {
    console.error(`FAILED at step "${stepName}": ${e.message}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
