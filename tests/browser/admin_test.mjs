// The admin pages in a real browser: an operator creates a profile, a camera
// and a policy through the forms and sees the runner start, pauses the camera
// and sees it stop, unpauses it, meets the policy's overlap message, and
// enrolls photos (one without a face is refused with its reason).
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { PHONE, launchBrowser, logIn, newPage, screenshot, settled } from "./browser.mjs";
import { BiskStack, waitFor } from "./stack.mjs";

const MEDIA = process.env.BISK_TEST_MEDIA;
let stack;
let browser;
let page;

// The runner status the system panel shows for camera `cameraId`, or null.
async function runnerStatus(cameraId) {
  const response = await page.request.get(`${stack.url}/dash/system/panel/`);
  const html = await response.text();
  const row = html.split("<tr").find((part) => part.includes(`data-camera-id="${cameraId}"`));
  const match = row && /data-status="(\w+)"/.exec(row);
  return match ? match[1] : null;
}

async function submit(form) {
  await settled(form.page());
  await form.locator('button[type="submit"]').click();
}

// After a change the page reloads itself: wait for `what` on the new page and
// for its script, so the next action is not lost.
async function reloaded(what, check, ms) {
  await waitFor(what, check, ms);
  await settled(page);
}

before(async () => {
  stack = await new BiskStack().start();
  stack.startEnforcer();
  browser = await launchBrowser();
  page = await newPage(browser);
  await logIn(page, stack);
  await page.waitForURL(`${stack.url}/dash/system/`);
});

after(async () => {
  await browser?.close();
  const ends = await stack?.stop();
  for (const end of ends ?? []) assert.deepEqual(end, { code: 0, signal: null }, "a bisk process did not exit cleanly");
});

describe("admin pages", () => {
  test("a profile, a camera and a policy made with the forms start a runner", async () => {
    await page.goto(`${stack.url}/dash/profiles/`);
    await page.click("text=New profile");
    let form = page.locator("details.new-record form");
    await form.locator('[data-field="name"]').fill("attendance");
    await form.locator('[data-field="fps"]').fill("4");
    await submit(form);
    await page.waitForSelector('tr[data-record-id="1"]');

    await page.goto(`${stack.url}/dash/cameras/`);
    await page.click("text=New camera");
    form = page.locator("details.new-record form");
    await form.locator('[data-field="name"]').fill("Gate");
    await form.locator('[data-field="url"]').fill("rtsp://guard:s3cret@127.0.0.1:9/gate");
    await submit(form);
    await page.waitForSelector('tr[data-record-id="1"]');
    assert.ok(!(await page.content()).includes("s3cret"), "the camera password reached the page");

    await page.goto(`${stack.url}/dash/policies/`);
    await page.click("text=New policy");
    form = page.locator("details.new-record form");
    await form.locator('[data-field="name"]').fill("every day");
    await form.locator('label.check:has-text("Gate") input').check();
    const windows = form.locator('[data-rows="windows"]');
    for (let day = 0; day < 7; ++day) {
      await windows.locator("[data-add-row]").click();
      const row = windows.locator("[data-row-list] > [data-row]").nth(day);
      await row.locator('[data-field="day_of_week"]').selectOption(String(day));
      await row.locator('[data-field="start"]').fill("00:00");
      await row.locator('[data-field="end"]').fill("00:00");
      await row.locator('[data-field="profile_id"]').selectOption({ label: "attendance" });
    }
    await submit(form);
    await page.waitForSelector('tr[data-record-id="1"]');
    await settled(page);
    await screenshot(page, "policies-desktop");
    await waitFor("the runner to be online", async () => (await runnerStatus(1)) === "online", 30000);
  });

  test("overlapping windows are refused with the API's message, nothing saved", async () => {
    await settled(page);
    await page.click("text=New policy");
    const form = page.locator("details.new-record form");
    await form.locator('[data-field="name"]').fill("clash");
    const windows = form.locator('[data-rows="windows"]');
    for (const [start, end] of [["08:00", "12:00"], ["11:00", "13:00"]]) {
      await windows.locator("[data-add-row]").click();
      const row = windows.locator("[data-row-list] > [data-row]").last();
      await row.locator('[data-field="day_of_week"]').selectOption("0");
      await row.locator('[data-field="start"]').fill(start);
      await row.locator('[data-field="end"]').fill(end);
    }
    await submit(form);
    const error = form.locator("[data-error]");
    await error.waitFor({ state: "visible" });
    assert.match(await error.textContent(), /overlaps/);
    await page.reload();
    assert.equal(await page.locator('tr[data-record-id="2"]').count(), 0);
  });

  test("pausing the camera stops its runner; unpausing starts it again", async () => {
    await page.goto(`${stack.url}/dash/cameras/`);
    await page.click('tr[data-record-id="1"] >> text=Pause 30 min');
    await reloaded("the pause to show", async () => (await page.locator('tr[data-record-id="1"] >> text=Unpause').count()) > 0);
    await waitFor("the runner to stop", async () => (await runnerStatus(1)) === "stopped", 30000);
    await screenshot(page, "cameras-desktop");
    await page.click('tr[data-record-id="1"] >> text=Unpause');
    await waitFor("the runner to be online again", async () => (await runnerStatus(1)) === "online", 30000);
  });

  test("a photo without a face is refused with the reason; a face is enrolled", async () => {
    await page.goto(`${stack.url}/dash/students/`);
    await page.click("text=New student");
    const form = page.locator("details.new-record form");
    await form.locator('[data-field="code"]').fill("S-001");
    await form.locator('[data-field="first_name"]').fill("Grace");
    await form.locator('[data-field="last_name"]').fill("Hopper");
    await submit(form);
    await page.waitForSelector('tr[data-record-id="1"]');
    await settled(page);
    const upload = page.locator('tr[data-record-id="1"] input[type="file"]');
    await upload.setInputFiles([path.join(MEDIA, "baboon.jpg"), path.join(MEDIA, "grace_hopper_512x512.jpg")]);
    const results = page.locator('tr[data-record-id="1"] [data-upload-results] li');
    await waitFor("both answers", async () => {
      const texts = await results.allTextContents();
      return texts.length === 2 && texts.every((text) => !text.endsWith("uploading…"));
    }, 60000);
    const texts = await results.allTextContents();
    assert.match(texts.find((text) => text.startsWith("baboon.jpg")), /^baboon\.jpg: rejected — .+/);
    assert.match(texts.find((text) => text.startsWith("grace_hopper")), /: enrolled \(face \d+ px\)$/);
    await screenshot(page, "students-desktop");
  });

  test("a period template, rolled into occurrences, one marked as a holiday", async () => {
    await page.goto(`${stack.url}/dash/periods/`);
    await page.click("text=New period template");
    const form = page.locator("details.new-record form");
    await form.locator('[data-field="name"]').fill("First period");
    await form.locator('[data-field="start"]').fill("08:00");
    await form.locator('[data-field="end"]').fill("08:45");
    for (const day of ["Sat", "Sun"]) await form.locator(`label.check:has-text("${day}") input`).check();
    await submit(form);
    await page.waitForSelector('tr[data-record-id="1"]');

    await page.goto(`${stack.url}/dash/occurrences/`);
    await page.click("text=Roll 7 days");
    await reloaded("seven occurrences", async () => (await page.locator("tr[data-record-id]").count()) === 7);
    const first = page.locator("tr[data-record-id]").first();
    const id = await first.getAttribute("data-record-id");
    await first.locator("text=Mark holiday").click();
    const row = page.locator(`tr[data-record-id="${id}"]`);
    await waitFor("the holiday to show", async () => (await row.locator("text=School day").count()) === 1);
    assert.equal(await row.locator('td[data-label="School day"]').textContent(), "no");
    assert.match(await row.locator('td[data-label="Period"]').textContent(), /^First period \(#1\)$/);
  });

  test("resource settings: a global cap is saved, an empty input clears it", async () => {
    await page.goto(`${stack.url}/dash/resources/`);
    const global = page.locator('tr[data-record-id="global"]');
    await global.locator("summary").click();
    await global.locator('[data-field="max_fps"]').fill("3");
    await global.locator('[data-field="device"]').selectOption("cpu");
    await global.locator('button[type="submit"]').click();
    await reloaded("the cap to show", async () =>
      (await page.locator('tr[data-record-id="global"] td[data-label="Max FPS"]').textContent()) === "3.0" ||
      (await page.locator('tr[data-record-id="global"] td[data-label="Max FPS"]').textContent()) === "3");
    await page.locator('tr[data-record-id="global"] summary').click();
    await page.locator('tr[data-record-id="global"] [data-field="max_fps"]').fill("");
    await page.locator('tr[data-record-id="global"] button[type="submit"]').click();
    await waitFor("the cap to be cleared", async () =>
      (await page.locator('tr[data-record-id="global"] td[data-label="Max FPS"]').textContent()) === "-");
    assert.equal(await page.locator('tr[data-record-id="global"] td[data-label="Device"]').textContent(), "cpu");
  });

  test("a user is added with the form and its password changed; no password or hash is shown", async () => {
    await page.goto(`${stack.url}/dash/users/`);
    await page.click("text=New user");
    const form = page.locator("details.new-record form");
    await form.locator('[data-field="username"]').fill("clerk");
    await form.locator('[data-field="password"]').fill("short");
    await submit(form);
    await form.locator("[data-error]").waitFor({ state: "visible" });
    assert.match(await form.locator("[data-error]").textContent(), /at least 8 characters/);
    await form.locator('[data-field="password"]').fill("clerk password 1");
    await submit(form);
    await page.waitForSelector('tr[data-record-id="2"]');
    await settled(page);
    assert.equal(await page.locator('tr[data-record-id="2"] td[data-label="User name"]').textContent(), "clerk");
    const row = page.locator('tr[data-record-id="2"]');
    await row.locator("summary").click();
    await row.locator('[data-field="password"]').fill("clerk password 2");
    await row.locator('button[type="submit"]').click();
    await waitFor("the change to be confirmed", async () => /^Save: /.test(await page.textContent("#flash")));
    const html = await page.content();
    assert.ok(!html.includes("clerk password") && !html.includes("$argon2id$"), "a password or its hash reached the page");
  });

  test("a cookie-authenticated write without the CSRF token is refused", async () => {
    const response = await page.request.post(`${stack.url}/api/v1/profiles`, {
      data: { name: "sneaky" }, headers: { "Content-Type": "application/json" } });
    assert.equal(response.status(), 403);
    assert.match((await response.json()).error, /CSRF/);
  });

  test("every admin page fits a phone", async () => {
    const phone = await browser.newContext({ viewport: PHONE });
    await phone.addCookies(await page.context().cookies());
    const small = await phone.newPage();
    for (const name of ["cameras", "profiles", "policies", "periods", "occurrences", "resources", "students", "processes",
      "heartbeats", "attendance", "users"]) {
      await small.goto(`${stack.url}/dash/${name}/`);
      const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `/dash/${name}/ is ${overflow} px wider than the phone`);
    }
    await small.goto(`${stack.url}/dash/cameras/`);
    await screenshot(small, "cameras-phone");
    await phone.close();
    assert.deepEqual(page.dialogs, []);
    assert.deepEqual(page.errors, []);
  });
});
