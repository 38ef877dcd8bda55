// Real-browser tests of the self-report pages: Debian's chromium, driven
// by playwright-core (no browser download), checked with axe-core.
//
// A PHQ-9 is completed by keyboard alone on a phone-sized viewport (a
// one-time link) and on a tablet-sized one (a clinician starts a tablet
// session), with zero axe violations on every screen, every answer
// target at least 44 px, no horizontal scrolling at 320 px, and the
// answers stored.  Screenshots go to $SHOTS (default build/browser).
// Prints TAP ("ok N - ..."), as the other suites do.
//
// Env: CAIRN (the binary), CAIRN_INSTRUMENTS, CHROMIUM (default
// /usr/bin/chromium), SHOTS.
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ok, failures, cairn, startServer, launch, checkAxe, tabTo, PW }
  from "./lib.mjs";

const SHOTS = resolve(process.env.SHOTS || "build/browser");

// Zero axe violations, every answer label at least 44 by 44 px, and no
// horizontal scrolling.
async function checkScreen(page, what) {
  await checkAxe(page, what);
  const small = await page.$$eval(".choice label, button", (els) =>
    els.map((e) => e.getBoundingClientRect())
      .filter((r) => r.height < 44 || r.width < 44).length);
  ok(small === 0, `${what}: targets at least 44 px`, `${small} smaller`);
  const scroll = await page.evaluate(() =>
    document.documentElement.scrollWidth <=
      document.documentElement.clientWidth);
  ok(scroll, `${what}: no horizontal scrolling`);
}

// Choose option `code` of the focused radio group by keyboard: Space
// checks the first, each ArrowDown moves to and checks the next.
async function chooseByKeys(page, name, code) {
  const ok1 = await tabTo(page, `input[name="${name}"]`);
  if (!ok1) return false;
  await page.keyboard.press("Space");
  for (let i = 0; i < code; i++) await page.keyboard.press("ArrowDown");
  return page.evaluate((nm) =>
    document.querySelector(`input[name="${nm}"]:checked`)?.value, name);
}

async function pressButton(page, value) {
  const found = await tabTo(page, `button[value="${value}"]`);
  if (!found) return false;
  await Promise.all([page.waitForNavigation(),
                     page.keyboard.press("Enter")]);
  return true;
}

const PHQ = [1, 2, 0, 3, 1, 0, 2, 1, 1];

async function phone(ctx, url) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width: 320, height: 640 });
  await page.goto(url);
  await checkScreen(page, "phone: introduction");
  ok(!(await page.content()).includes("C001"), "phone: no identifier");
  ok(await pressButton(page, "next"), "phone: start by keyboard");
  await checkScreen(page, "phone: instructions");
  ok(await pressButton(page, "next"), "phone: instructions by keyboard");
  for (let i = 0; i < 9; i++) {
    const v = await chooseByKeys(page, `item${i + 1}`, PHQ[i]);
    if (i === 0 || i === 8) {
      await checkScreen(page, `phone: item ${i + 1}`);
      await page.screenshot({ path: join(SHOTS, `phone-item${i + 1}.png`),
                              fullPage: true });
    }
    ok(v === String(PHQ[i]), `phone: item ${i + 1} answered by keyboard`,
       `got ${v}`);
    ok(await pressButton(page, "next"), `phone: item ${i + 1} next`);
  }
  await checkScreen(page, "phone: review");
  await page.screenshot({ path: join(SHOTS, "phone-review.png"),
                          fullPage: true });
  ok(await pressButton(page, "send"), "phone: send by keyboard");
  const text = await page.textContent("main");
  ok(text.includes("Thank you"), "phone: thanks");
  ok(text.includes("Looking after yourself"), "phone: crisis text (item 9)");
  /* the default for a phone link: no "today", no hand-back */
  ok(text.includes("Your clinic will read your answers") &&
     !text.includes("today") && !text.includes("hand the"),
     "phone: the at-home words of cairn/client_text.h", text);
  await checkScreen(page, "phone: thanks");
  await page.screenshot({ path: join(SHOTS, "phone-thanks.png"),
                          fullPage: true });
  const again = await page.goto(url);
  ok(again.status() === 410, "phone: a reload says already completed (410)");
  await page.close();
}

async function tablet(ctx, base) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.goto(base + "/login");
  await checkScreen(page, "tablet: login");
  await page.fill("#name", "dr.lee");
  await page.fill("#password", PW);
  await Promise.all([page.waitForURL("**/today"), page.press("#password",
                                                             "Enter")]);
  /* the dashboard's navigation leads to the self-report page */
  await Promise.all([page.waitForURL("**/start"),
                     page.click('nav a[href="/start"]')]);
  await checkScreen(page, "tablet: start page");
  await page.check('input[name="client"][value="C001"]');
  await page.check('input[name="instrument"][value="phq9"]');
  await Promise.all([page.waitForURL("**/s/**"),
                     page.click('button[value="tablet"]')]);
  ok(await pressButton(page, "next"), "tablet: start by keyboard");
  await page.screenshot({ path: join(SHOTS, "tablet-form-empty.png"),
                          fullPage: true });
  for (let i = 0; i < 9; i++) {
    const v = await chooseByKeys(page, `item${i + 1}`, PHQ[i] === 1 ? 0
                                                                   : PHQ[i]);
    ok(v !== undefined, `tablet: item ${i + 1} answered by keyboard`);
  }
  await checkScreen(page, "tablet: the questionnaire");
  await page.screenshot({ path: join(SHOTS, "tablet-form.png"),
                          fullPage: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, "tablet-screen.png") });
  ok(await pressButton(page, "next"), "tablet: next");
  ok(await pressButton(page, "send"), "tablet: send by keyboard");
  const text = await page.textContent("main");
  ok(text.includes("Please hand the device back"), "tablet: hand-back screen");
  ok((await page.$$("a")).length === 0, "tablet: nothing else reachable");
  await checkScreen(page, "tablet: hand back");
  await page.screenshot({ path: join(SHOTS, "tablet-handback.png"),
                          fullPage: true });
  const start = await page.goto(base + "/start");
  ok(page.url().endsWith("/login"), "tablet: clinician was logged out",
     `at ${page.url()} (${start.status()})`);
  await page.close();
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "cairn-browser-"));
  const db = join(dir, "clinic.db");
  cairn(db, "init");
  cairn(db, "client", "add", "C001", "--clinician", "dr.lee");
  cairn(db, "user", "add", "dr.lee", "--role", "clinician",
        "--password-stdin");
  const server = await startServer(db);
  const link = cairn(db, "link", "new", "--client", "C001", "--instruments",
                     "phq9", "--base-url", server.url).split("\n")[0];
  const ctx = await launch(dir);
  try {
    await phone(ctx, link);
    await tablet(ctx, server.url);
  } catch (e) {
    ok(false, "browser walk", e.stack);
  }
  await ctx.close();
  server.proc.kill("SIGTERM");
  const flat = JSON.parse(cairn(db, "history", "--client", "C001",
                               "--json"));
  ok(flat.some((a) => a.method === "self_report_link") &&
     flat.some((a) => a.method === "self_report_tablet"),
     "both assessments stored, with their methods",
     JSON.stringify(flat.map((a) => a.method)));
  rmSync(dir, { recursive: true, force: true });
  console.log(`# screenshots in ${SHOTS}`);
  process.exit(failures() ? 1 : 0);
}

main().catch((e) => {
  ok(false, "browser tests", e.stack);
  process.exit(1);
});
