// Real-browser tests of the dashboard's list pages over the example
// clinic (examples/clinic.sh): Today, Caseload, Clinic outcomes,
// Research and Downloads, each with zero axe violations, reached through
// the navigation by keyboard, without sideways scrolling at 200% zoom;
// the caseload's figures equal `cairn caseload --json`; sorting and
// filtering work without a script; the caseload prints to PDF on A4 and
// Letter with "Confidential" on every page and no navigation; each role
// sees only its pages, and a researcher is refused every clinical page.
// Screenshots go to $SHOTS (default build/browser).  Prints TAP.
//
// Env: CAIRN, CAIRN_INSTRUMENTS, CHROMIUM, SHOTS; pdfinfo and pdftotext.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ok, failures, cairn, startServer, launch, checkAxe, tabTo, CAIRN,
         PW, login, fits } from "./lib.mjs";

const SHOTS = resolve(process.env.SHOTS || "build/browser");
const CLINIC = "Riverside Bereavement Practice";

// Follow the navigation link to `path` by keyboard.
async function navTo(page, path, what) {
  const found = await tabTo(page, `nav a[href="${path}"]`, 30);
  ok(found, `${what}: reached through the navigation by keyboard`);
  if (found) {
    await Promise.all([page.waitForNavigation(),
                       page.keyboard.press("Enter")]);
  } else {
    await page.goto(new URL(path, page.url()).href);
  }
  await checkAxe(page, what);
  await fits(page, what);
  await page.setViewportSize({ width: 640, height: 900 });
  await fits(page, `${what} at 200% zoom`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function navLinks(page) {
  return page.$$eval("nav[aria-label=Dashboard] a",
                     (as) => as.map((a) => a.getAttribute("href")));
}

// Every row of the caseload table against `cairn caseload --json`.
async function sameAsCommand(page, db, who) {
  const want = JSON.parse(cairn(db, "caseload", "--json", "--clinician",
                                who));
  const rows = await page.$$eval("tr[data-client]", (trs) => trs.map((tr) => ({
    client: tr.dataset.client, instrument: tr.dataset.instrument,
    n: tr.children[2].textContent, score: tr.children[4].textContent,
    change: tr.children[6].textContent })));
  const expect = [];
  for (const c of want) {
    for (const t of c.trends) {
      expect.push({ client: c.client, instrument: t.instrument,
                    n: String(t.n), score: String(t.latest.score),
                    change: t.n >= 2 ? (t.change > 0 ? "+" : "") +
                      String(t.change) : "" });
    }
  }
  ok(JSON.stringify(rows) === JSON.stringify(expect),
     "caseload: the page's rows, order and figures are the command's",
     `${JSON.stringify(rows).slice(0, 300)}\nvs\n` +
     JSON.stringify(expect).slice(0, 300));
}

async function printCaseload(page, dir, today) {
  for (const format of ["A4", "Letter"]) {
    const pdf = join(dir, `caseload-${format}.pdf`);
    await page.pdf({ path: pdf, format, printBackground: true });
    const info = execFileSync("pdfinfo", [pdf], { encoding: "utf8" });
    const pages = Number(info.match(/^Pages:\s+(\d+)/m)[1]);
    const text = execFileSync("pdftotext", ["-layout", pdf, "-"],
                              { encoding: "utf8" });
    const each = text.split("\f").filter((p) => p.trim() !== "");
    ok(pages >= 1 && each.length === pages &&
       each.every((p) => p.includes("Confidential")),
       `caseload ${format}: "Confidential" on every page`, `${pages} pages`);
    ok(text.includes(CLINIC) && text.includes(`printed ${today}`),
       `caseload ${format}: the clinic's name and the date`);
    ok(text.includes("Amira") && text.includes("Questionnaire"),
       `caseload ${format}: the table is there`, text.slice(0, 600));
    ok(!text.includes("Log out") && !text.includes("Only clients with") &&
       !text.includes("Skip to"), `caseload ${format}: no navigation or form`);
  }
}

async function clinician(page, base, db, dir, today) {
  await login(page, base, "dr.okafor");
  ok(page.url().endsWith("/today"), "clinician: logging in lands on Today");
  await checkAxe(page, "Today");
  await page.screenshot({ path: join(SHOTS, "dashboard-today.png") });
  const links = await navLinks(page);
  ok(JSON.stringify(links) ===
     JSON.stringify(["/today", "/caseload", "/start", "/downloads"]),
     "clinician: the navigation offers their pages only", links.join(" "));
  const text = await page.textContent("main");
  ok(text.includes("Questionnaires due") &&
     text.includes("Self-report since yesterday"),
     "Today: questionnaires due and self-report sections");
  await navTo(page, "/caseload", "Caseload");
  await page.screenshot({ path: join(SHOTS, "dashboard-caseload.png") });
  await sameAsCommand(page, db, "dr.okafor");
  // sort and filter with the form alone (no script on the page)
  await page.selectOption("#f-sort", "score");
  await page.fill("#f-q", "a");
  await Promise.all([page.waitForNavigation(),
                     page.click(".filters button")]);
  ok(page.url().includes("sort=score") && page.url().includes("q=a"),
     "Caseload: the form's choices are in the address", page.url());
  const scores = await page.$$eval("tr[data-client] td.score",
                                   (tds) => tds.map((t) => Number(t.textContent)));
  ok(scores.length > 0 &&
     scores.every((s, i) => i === 0 || scores[i - 1] >= s),
     "Caseload: highest score first", scores.join(" "));
  await page.goto(base + "/caseload");
  await printCaseload(page, dir, today);
  await navTo(page, "/downloads", "Downloads");
  const [dl] = await Promise.all([
    page.waitForEvent("download"),
    page.click('a[href="/downloads/caseload.xlsx"]')]);
  ok(dl.suggestedFilename() === "caseload.xlsx",
     "Downloads: the caseload workbook downloads", dl.suggestedFilename());
  const out = await page.goto(base + "/outcomes");
  ok(out.status() === 403, "clinician: Clinic outcomes refused",
     `${out.status()}`);
}

async function supervisor(page, base) {
  await login(page, base, "sup");
  const links = await navLinks(page);
  ok(links.includes("/outcomes") && !links.includes("/research"),
     "supervisor: Clinic outcomes, not Research", links.join(" "));
  await navTo(page, "/outcomes", "Clinic outcomes");
  const text = await page.textContent("main");
  ok(text.includes("Growth model") && text.includes("at least 10 are needed"),
     "Clinic outcomes: the growth model and the small-numbers caution");
  await page.screenshot({ path: join(SHOTS, "dashboard-outcomes.png") });
}

async function researcher(page, base) {
  await login(page, base, "res");
  ok(page.url().endsWith("/research"), "researcher: lands on Research");
  await checkAxe(page, "Research");
  await fits(page, "Research");
  await page.screenshot({ path: join(SHOTS, "dashboard-research.png") });
  const links = await navLinks(page);
  ok(JSON.stringify(links) === JSON.stringify(["/research"]),
     "researcher: the navigation offers Research only", links.join(" "));
  for (const p of ["/today", "/caseload", "/downloads", "/client/S01",
                   "/downloads/caseload.xlsx"]) {
    const r = await page.goto(base + p);
    const body = await page.content();
    ok(r.status() === 403 && !body.includes("Sarah") && !body.includes("S01"),
       `researcher: ${p} refused, nothing identifiable`, `${r.status()}`);
  }
  await page.goto(base + "/research");
  const [dl] = await Promise.all([
    page.waitForEvent("download"),
    page.click('a[href="/research/export.dictionary.csv"]')]);
  ok(dl.suggestedFilename() === "export.dictionary.csv",
     "Research: the export's dictionary downloads");
  await page.selectOption("#agg-inst", "epds");
  const [agg] = await Promise.all([
    page.waitForEvent("download"),
    page.click("form[action='/research/aggregate'] button")]);
  ok(agg.suggestedFilename() === "aggregate-epds.json",
     "Research: an aggregate summary downloads", agg.suggestedFilename());
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "cairn-pages-"));
  const db = join(dir, "clinic.db");
  execFileSync("sh", ["examples/clinic.sh", db, CAIRN], { stdio: "ignore" });
  cairn(db, "settings", "set", "clinic.name", CLINIC);
  cairn(db, "key", "new", "-o", join(dir, "site.key"));
  for (const [name, role] of [["dr.okafor", "clinician"],
                              ["sup", "supervisor"], ["res", "researcher"]]) {
    cairn(db, "user", "add", name, "--role", role, "--password-stdin");
  }
  const today = new Date().toISOString().slice(0, 10);
  const server = await startServer(db, "--key", join(dir, "site.key"));
  const ctx = await launch(dir);
  try {
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await clinician(page, server.url, db, dir, today);
    await supervisor(page, server.url);
    await researcher(page, server.url);
  } catch (e) {
    ok(false, "dashboard pages walk", e.stack);
  }
  await ctx.close();
  server.proc.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
  console.log(`# screenshots in ${SHOTS}`);
  process.exit(failures() ? 1 : 0);
}

main().catch((e) => {
  ok(false, "dashboard pages", e.stack);
  process.exit(1);
});
