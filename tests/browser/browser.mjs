// Chromium through playwright-core, as scripts/fetch_assets.sh unpacked it,
// and the page helpers the browser tests share.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { ADMIN } from "./stack.mjs";

// ES modules ignore NODE_PATH: load playwright-core from where it was unpacked.
const { chromium } = createRequire(import.meta.url)(
  path.join(process.env.BISK_NODE_MODULES || "node_modules", "playwright-core"));
const CHROMIUM = process.env.BISK_CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = process.env.BISK_TEST_ARTIFACTS || path.resolve("browser-artifacts");
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 812 };

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium package (scripts/setup.sh does) or set BISK_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

// A page that records dialogs (a script injected through data would open
// one) and uncaught script errors, and accepts confirmations.
export async function newPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.dialogs = [];
  page.on("dialog", async (dialog) => {
    if (dialog.type() === "confirm") return dialog.accept();
    page.dialogs.push(dialog.message());
    return dialog.dismiss();
  });
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(String(error)));
  return page;
}

export async function logIn(page, stack, password = ADMIN.password) {
  await page.goto(`${stack.url}/dash/system/`);
  await page.waitForURL(/\/login\?next=/);
  await page.fill('input[name="username"]', ADMIN.username);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
}

// Waits until bisk.js has set up the page's handlers. Forms and buttons reload
// the page after a change; acting on the new page before its script ran would
// submit a form natively, or click a button nothing listens to.
export async function settled(page) {
  await page.waitForSelector("html[data-bisk-ready]", { state: "attached" });
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// The pages and partials every test checks anonymous access to.
export const PAGES = ["/dash/system/", "/dash/system/panel/", "/dash/cameras/", "/dash/profiles/", "/dash/policies/",
  "/dash/periods/", "/dash/occurrences/", "/dash/resources/", "/dash/students/", "/dash/processes/", "/dash/heartbeats/", "/dash/attendance/", "/dash/users/",
  "/media/snapshots/1.jpg", "/media/attendance_crops/x.jpg"];
