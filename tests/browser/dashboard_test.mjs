// The dashboard in a real browser: Playwright (npm playwright-core) drives
// Debian's Chromium headless against a real `bisk serve` + `bisk run-enforcer`
// with fake runners (stack.mjs). Screenshots of the main pages, at desktop and
// phone width, go to $BISK_TEST_ARTIFACTS.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import {
  DESKTOP, PAGES, PHONE, launchBrowser, logIn as logInAs, newPage as newBrowserPage, screenshot, settled,
} from "./browser.mjs";
import { BiskStack, waitFor } from "./stack.mjs";

const HOSTILE_NAME = "<script>alert(1)</script>";

let stack;
let browser;

const newPage = (viewport = DESKTOP) => newBrowserPage(browser, viewport);
const logIn = (page, password) => logInAs(page, stack, password);

function runnerRow(page, cameraId) {
  return page.locator(`tr[data-camera-id="${cameraId}"]`);
}

before(async () => {
  stack = await new BiskStack().start();
  stack.bisk(["profile", "add", "--name", "attendance", "--fps", "5"]);
  stack.bisk(["camera", "add", "--name", HOSTILE_NAME, "--url", "-"], "rtsp://user:hunter2@camera.invalid/stream\n");
  stack.bisk(["policy", "add", "--name", "all day", "--camera_ids", "1", "--window", "mon-sun,00:00,00:00,attendance"]);
  stack.startEnforcer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  const ends = await stack?.stop();
  for (const end of ends ?? []) assert.deepEqual(end, { code: 0, signal: null }, "a bisk process did not exit cleanly");
});

describe("anonymous", () => {
  test("every page and partial sends a browser to the login page", async () => {
    for (const page of PAGES) {
      const response = await fetch(`${stack.url}${page}`, { redirect: "manual" });
      assert.equal(response.status, 303, page);
      assert.equal(response.headers.get("location"), `/login?next=${encodeURIComponent(page)}`, page);
    }
  });
  test("an htmx partial request is refused with HX-Redirect to the login page", async () => {
    const response = await fetch(`${stack.url}/dash/system/panel/`, { headers: { "HX-Request": "true" } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("hx-redirect"), "/login?next=%2Fdash%2Fsystem%2Fpanel%2F");
  });
  test("a login form posted without its cookie (from another site) is refused", async () => {
    const form = new URLSearchParams({ username: "admin", password: "correct horse battery staple",
      login_token: "forged", next: "/dash/system/" });
    const response = await fetch(`${stack.url}/login`, { method: "POST", body: form, redirect: "manual" });
    assert.equal(response.status, 403);
    assert.ok(!(response.headers.get("set-cookie") ?? "").includes("bisk_session="), "a session was started");
  });
  test("the JSON and metrics routes answer 401", async () => {
    for (const route of ["/dash/system.json", "/metrics", "/api/v1/cameras"]) {
      assert.equal((await fetch(`${stack.url}${route}`)).status, 401, route);
    }
  });
});

describe("logged in", () => {
  let page;
  before(async () => {
    page = await newPage();
  });

  test("a wrong password shows the error and stays on the login page", async () => {
    await logIn(page, "not the password");
    await page.waitForSelector(".error");
    assert.equal(await page.textContent(".error"), "wrong username or password");
    assert.match(page.url(), /\/login$/);
    await screenshot(page, "login-desktop");
  });

  test("the right password opens the system page", async () => {
    await logIn(page);
    await page.waitForURL(`${stack.url}/dash/system/`);
    await settled(page);
    assert.match(await page.textContent("h1"), /^System/);
  });

  test("the runner goes online and its hostile camera name is text", async () => {
    await page.fill("#refresh-seconds", "1");
    await page.dispatchEvent("#refresh-seconds", "change");
    const status = runnerRow(page, 1).locator("[data-status]");
    await waitFor("the runner to be online on the panel", async () => (await status.count()) > 0 &&
      (await status.getAttribute("data-status")) === "online", 30000);
    assert.equal(await runnerRow(page, 1).locator(".camera-name").textContent(), HOSTILE_NAME);
    assert.deepEqual(page.dialogs, [], "a script from a camera name ran");
    assert.deepEqual(page.errors, []);
    const html = await page.content();
    assert.ok(!html.includes("hunter2"), "the camera password reached the page");
  });

  test("auto-refresh is remembered per browser and paused while hidden", async () => {
    await page.reload();
    await settled(page);
    assert.equal(await page.inputValue("#refresh-seconds"), "1");
    await page.fill("#refresh-seconds", "0");
    await page.dispatchEvent("#refresh-seconds", "change");
    assert.equal(await page.textContent("#refresh-state"), "off");
    await page.fill("#refresh-seconds", "5");
    await page.dispatchEvent("#refresh-seconds", "change");
    assert.match(await page.textContent("#refresh-state"), /^next in \d+ s$/);
    // The tab goes to the background: the countdown stops, no panel request is made.
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    assert.equal(await page.textContent("#refresh-state"), "paused");
    let panelRequests = 0;
    page.on("request", (request) => { if (request.url().includes("/dash/system/panel/")) panelRequests += 1; });
    await page.waitForTimeout(6500);
    assert.equal(panelRequests, 0, "the panel refreshed while the tab was hidden");
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await waitFor("a refresh once visible again", async () => panelRequests > 0, 20000);
  });

  test("a runner's snapshot is shown through the login-protected media route", async () => {
    fs.mkdirSync(path.join(stack.dir, "snapshots"), { recursive: true });
    fs.copyFileSync(path.join(process.env.BISK_TEST_MEDIA, "grace_hopper_512x512.jpg"),
      path.join(stack.dir, "snapshots", "1.jpg"));
    await page.reload();
    await settled(page);
    const thumb = runnerRow(page, 1).locator("img.thumb");
    await thumb.waitFor();
    await waitFor("the thumbnail to load", async () => (await thumb.evaluate((img) => img.naturalWidth)) === 512);
    const anonymous = await fetch(`${stack.url}${await thumb.getAttribute("src")}`, { redirect: "manual" });
    assert.equal(anonymous.status, 303);
  });

  test("Enforce now is carried out by the enforcer, which says what it did", async () => {
    await page.click("text=Enforce now");
    await waitFor("the enforcer's answer", async () => /^Enforce now: .*desired 1/.test(await page.textContent("#flash")), 35000);
    assert.doesNotMatch(await page.getAttribute("#flash", "class"), /error/);
  });

  test("Stop stops the runner and the enforcer starts a new one while the schedule wants it", async () => {
    const row = runnerRow(page, 1);
    const firstId = await row.getAttribute("data-runner-id");
    await row.locator("text=Stop").click();
    await waitFor("the stop to be carried out", async () => /^Stop: stop sent to pid \d+\.$/.test(await page.textContent("#flash")), 35000);
    await page.fill("#refresh-seconds", "1");
    await page.dispatchEvent("#refresh-seconds", "change");
    await waitFor("a new runner, online", async () => {
      const id = await runnerRow(page, 1).getAttribute("data-runner-id").catch(() => null);
      const status = await runnerRow(page, 1).locator("[data-status]").getAttribute("data-status").catch(() => null);
      return id !== null && id !== firstId && status === "online";
    }, 30000);
    await screenshot(page, "system-desktop");
  });

  test("the system page fits a phone", async () => {
    const phone = await browser.newContext({ viewport: PHONE });
    await phone.addCookies(await page.context().cookies());
    const small = await phone.newPage();
    await small.goto(`${stack.url}/dash/system/`);
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
    await screenshot(small, "system-phone");
    await phone.close();
  });

  test("Log out ends the session", async () => {
    await page.click("text=Log out");
    await page.waitForURL(/\/login$/);
    const response = await page.request.get(`${stack.url}/dash/system.json`);
    assert.equal(response.status(), 401);
  });
});
