// Real-browser tests of the clinician's client and couple pages over the
// example clinic (examples/clinic.sh), reached the way a day starts: log
// in, land on Today, acknowledge the most urgent alert by keyboard and
// follow it to the client.  Zero axe violations on every page
// (charts included), readable at 200% zoom (no sideways scrolling of the
// page), the way through by keyboard - open the client, enter a paper
// PHQ-9, check the echo, save, and see the new score on the chart and
// in its table - then print to PDF on A4 and Letter: one page for the
// details and one per questionnaire, "Confidential" on every page, the
// clinic's name and the date.  A researcher is refused the client page.
// Screenshots go to $SHOTS (default build/browser).  Prints TAP.
//
// Env: CAIRN, CAIRN_INSTRUMENTS, CHROMIUM, SHOTS; pdfinfo and pdftotext
// (Debian's poppler-utils) read the PDFs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ok, failures, cairn, startServer, launch, checkAxe, tabTo, CAIRN,
         PW, acknowledgeFirst, login, fits } from "./lib.mjs";

const SHOTS = resolve(process.env.SHOTS || "build/browser");
const CLINIC = "Riverside Bereavement Practice";
const PHQ = ["1", "2", "1", "1", "0", "1", "1", "0", "0"]; // total 7

async function pressOn(page, sel, what) {
  const found = await tabTo(page, sel, 400);
  ok(found, `${what}: reached by keyboard`);
  if (!found) return false;
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  return true;
}

// The number of points drawn on a chart, and its table's rows.
async function drawn(page, id) {
  return page.evaluate((i) => ({
    points: document.querySelectorAll(`#${i} svg circle[r="5"]`).length,
    rows: [...document.querySelectorAll(`#${i} table.data tbody tr`)]
      .map((tr) => tr.textContent),
  }), id);
}

async function enterPaperForm(page, base, today) {
  await page.goto(base + "/client/S01");
  const before = await drawn(page, "chart-phq9");
  ok(await pressOn(page, 'a[href="/client/S01?enter=phq9"]',
                   "the PHQ-9 paper form link"), "open the paper form");
  await checkAxe(page, "paper form");
  await page.screenshot({ path: join(SHOTS, "dashboard-paper-form.png") });
  ok(await tabTo(page, "#item1"), "item 1 reached by keyboard");
  for (let i = 0; i < 9; i++) {
    await page.keyboard.type(PHQ[i]);
    if (i < 8) {
      ok(await tabTo(page, `#item${i + 2}`), `item ${i + 2} by keyboard`);
    }
  }
  ok(await pressOn(page, "button.primary", "Check the answers"),
     "check the answers");
  const echo = await page.textContent("main");
  ok(echo.includes("Nothing is saved until you choose Save") &&
     echo.includes("More than half the days") && echo.includes("Total: 7"),
     "the answers are echoed with their scores", echo.slice(0, 400));
  await checkAxe(page, "echo");
  await page.screenshot({ path: join(SHOTS, "dashboard-echo.png"),
                          fullPage: true });
  ok(await pressOn(page, 'button[value="save"]', "Save"), "save");
  ok(page.url().endsWith("/client/S01?done=saved"), "back on the client",
     page.url());
  const text = await page.textContent("main");
  ok(text.includes("The answers were saved."), "the page says it was saved");
  const after = await drawn(page, "chart-phq9");
  ok(after.points === before.points + 1, "the new score is on the chart",
     `${before.points} -> ${after.points}`);
  ok(after.rows.some((r) => r.startsWith(today) && r.includes("7")),
     "and in the chart's table", after.rows.slice(-2).join(" | "));
}

// Print page `what` to PDF; check pages and text.  Returns the count.
async function printed(page, dir, what, format, expectPages, today) {
  const pdf = join(dir, `${what}-${format}.pdf`);
  await page.pdf({ path: pdf, format, printBackground: true });
  const info = execFileSync("pdfinfo", [pdf], { encoding: "utf8" });
  const pages = Number(info.match(/^Pages:\s+(\d+)/m)[1]);
  ok(pages === expectPages, `${what} ${format}: one page for the details ` +
     "and one per questionnaire", `${pages} pages, want ${expectPages}`);
  const text = execFileSync("pdftotext", ["-layout", pdf, "-"],
                            { encoding: "utf8" });
  const each = text.split("\f").filter((p) => p.trim() !== "");
  ok(each.length === pages && each.every((p) => p.includes("Confidential")),
     `${what} ${format}: "Confidential" on every page`);
  ok(each.every((p) => p.includes(CLINIC) && p.includes(`printed ${today}`)),
     `${what} ${format}: the clinic's name and the date on every page`);
  ok(!text.includes("Log out") && !text.includes("Next steps") &&
     !text.includes("Save"), `${what} ${format}: no navigation or forms`);
  const key = what === "client" ? /First and latest/ : /Reliable difference/;
  ok(each.slice(1).every((p) => key.test(p)),
     `${what} ${format}: each questionnaire page has its key figures`);
  return pages;
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "cairn-dash-"));
  const db = join(dir, "clinic.db");
  execFileSync("sh", ["examples/clinic.sh", db, CAIRN], { stdio: "ignore" });
  cairn(db, "settings", "set", "clinic.name", CLINIC);
  cairn(db, "user", "add", "dr.okafor", "--role", "clinician",
        "--password-stdin");
  cairn(db, "user", "add", "res", "--role", "researcher", "--password-stdin");
  const today = new Date().toISOString().slice(0, 10);
  const server = await startServer(db);
  const ctx = await launch(dir);
  try {
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    // the day starts on Today: acknowledge the most urgent alert (Sarah's
    // risk item), then follow it to her page
    await login(page, server.url, "dr.okafor");
    ok(page.url().endsWith("/today"), "logging in lands on Today", page.url());
    const href = await acknowledgeFirst(page, "called Sarah, safety plan");
    ok(page.url().endsWith("/today?done=ack") &&
       (await page.textContent("main")).includes("acknowledged"),
       "Today says the alert was acknowledged", page.url());
    ok(href === "/client/S01", "the most urgent alert is Sarah's", href);
    ok(await tabTo(page, `ol.alerts a[href="${href}"]`, 80),
       "her page's link reached by keyboard");
    const [r] = await Promise.all([page.waitForNavigation(),
                                   page.keyboard.press("Enter")]);
    ok(r.status() === 200 && page.url().endsWith("/client/S01"),
       "the client page opens from Today", page.url());
    await checkAxe(page, "client page");
    await fits(page, "client page");
    await page.screenshot({ path: join(SHOTS, "dashboard-client.png") });
    await page.locator("#chart-phq9").screenshot({
      path: join(SHOTS, "dashboard-chart.png") });
    const courses = await page.locator("section.course").count();
    ok(courses === 4, "one section per questionnaire", `${courses}`);
    ok((await page.locator("svg.chart title").count()) === courses &&
       (await page.locator("svg.chart[aria-describedby]").count()) ===
       courses, "every chart has a title and a description");
    await page.goto(server.url + "/client/S01?time=since-loss");
    await checkAxe(page, "client page, weeks since the loss");
    ok((await page.textContent("#chart-phq9")).includes("Week after the loss"),
       "the since-loss axis");
    // a subscale, chosen from its questionnaire's scale links
    await page.goto(server.url + "/client/S01");
    await Promise.all([page.waitForNavigation(),
                       page.click('nav[aria-label="PGS-33 scales"] a:has-text("Despair")')]);
    await checkAxe(page, "client page, a subscale");
    ok(page.url().endsWith("?scale=pgs33.despair#h-pgs33") &&
       (await page.textContent("#chart-pgs33 svg title"))
         .includes("Despair subscale"),
       "the Despair subscale is charted from its link", page.url());
    await page.locator("#chart-pgs33").screenshot({
      path: join(SHOTS, "dashboard-subscale.png") });
    // 200% zoom: the same window at half the CSS pixels
    await page.setViewportSize({ width: 640, height: 900 });
    await page.goto(server.url + "/client/S01");
    await fits(page, "client page at 200% zoom");
    await page.screenshot({ path: join(SHOTS, "dashboard-client-200.png") });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(server.url + "/couple/S01");
    await checkAxe(page, "couple page");
    await fits(page, "couple page");
    await page.locator("#chart-epds").screenshot({
      path: join(SHOTS, "dashboard-couple-chart.png") });
    await enterPaperForm(page, server.url, today);
    await checkAxe(page, "client page after saving");
    for (const format of ["A4", "Letter"]) {
      await printed(page, dir, "client", format, 1 + courses, today);
    }
    await page.goto(server.url + "/couple/S01");
    const shared = await page.locator("section.course").count();
    ok(shared >= 1, "the couple share questionnaires", `${shared}`);
    await printed(page, dir, "couple", "A4", 1 + shared, today);
    // a phone link from the client's page, through the start page's form
    await page.goto(server.url + "/client/S01");
    await page.check("#sr-phq9");
    await Promise.all([page.waitForNavigation(),
                       page.click('button[value="link"]')]);
    ok((await page.textContent("main")).includes("Link made"),
       "a phone link is made from the client's page");
    const res = await ctx.newPage();
    await ctx.clearCookies();
    await login(res, server.url, "res");
    const refused = await res.goto(server.url + "/client/S01");
    ok(refused.status() === 403 &&
       !(await res.content()).includes("Sarah"),
       "a researcher is refused the client page", `${refused.status()}`);
  } catch (e) {
    ok(false, "dashboard walk", e.stack);
  }
  await ctx.close();
  server.proc.kill("SIGTERM");
  const stored = JSON.parse(cairn(db, "history", "--client", "S01",
                                  "--json"));
  ok(stored.some((a) => a.instrument === "phq9" && a.entered_by ===
                 "dr.okafor" && a.method === "clinician" &&
                 a.administered_at.startsWith(today)),
     "the paper form is stored as entered by dr.okafor");
  const alerts = JSON.parse(cairn(db, "alerts", "--json"));
  ok(alerts.some((a) => a.client === "S01" && a.kind === "risk" &&
                 a.state === "acknowledged" && a.by === "dr.okafor" &&
                 a.note === "called Sarah, safety plan"),
     "the acknowledgement is stored as `cairn alert ack` stores it");
  rmSync(dir, { recursive: true, force: true });
  console.log(`# screenshots in ${SHOTS}`);
  process.exit(failures() ? 1 : 0);
}

main().catch((e) => {
  ok(false, "dashboard browser tests", e.stack);
  process.exit(1);
});
