// What the real-browser suites share: TAP output, the cairn command, a
// server on a free loopback port, Debian's chromium through
// playwright-core, axe-core's check and keyboard moves.
//
// Env: CAIRN (the binary), CHROMIUM (default /usr/bin/chromium).
import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const CAIRN = resolve(process.env.CAIRN || "build/cairn");
export const PW = "correct horse battery";
let n = 0;
let failed = 0;

// One TAP line ("ok N - name"); `why` explains a failure.
export function ok(cond, name, why) {
  n++;
  if (cond) {
    console.log(`ok ${n} - ${name}`);
  } else {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    if (why) console.log(String(why).replace(/^/gm, "#   "));
  }
}

export function failures() {
  return failed;
}

// Run the cairn command on `db`; a --password-stdin gets PW.
export function cairn(db, ...args) {
  return execFileSync(CAIRN, ["--db", db, ...args], {
    encoding: "utf8",
    input: args.includes("--password-stdin") ? PW + "\n" : undefined,
  });
}

// `cairn serve` on a free port (and `extra` options): { proc, url }.
export function startServer(db, ...extra) {
  return new Promise((res, rej) => {
    const p = spawn(CAIRN, ["--db", db, "serve", "--listen", "127.0.0.1:0",
                            ...extra], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^listening on (\S+)/m);
      if (m) res({ proc: p, url: m[1] });
    });
    p.on("exit", (code) => rej(new Error(`cairn serve exited ${code}`)));
  });
}

// A headless chromium with its profile in `dir`.
export function launch(dir) {
  return chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
}

// Zero axe-core violations (WCAG 2.2 A and AA, best practice).
export async function checkAxe(page, what) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                "best-practice"],
    }));
  ok(res.violations.length === 0, `${what}: no axe violations`,
     res.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length}) ` +
                        v.nodes.slice(0, 3).map((x) => x.html).join(" | "))
       .join("\n"));
}

// Press Tab until the focused element matches `sel` (at most `max`).
export async function tabTo(page, sel, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s), sel)) {
      return true;
    }
  }
  return false;
}

// On Today, acknowledge the first alert by keyboard with `note`: Tab to
// its note, type, Tab to its Acknowledge button, Enter.  Returns the
// address of that alert's client page.
export async function acknowledgeFirst(page, note) {
  const first = page.locator("ol.alerts > li").first();
  const href = await first.locator("h3 a").getAttribute("href");
  ok(await tabTo(page, "#note-0", 80), "Today: the first alert's note " +
     "reached by keyboard");
  await page.keyboard.type(note);
  ok(await tabTo(page, 'ol.alerts > li:first-child button[value="ack"]', 5),
     "Today: its Acknowledge button reached by keyboard");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  return href;
}

// Log in as `name` (cookies cleared first, so a page may switch person).
export async function login(page, base, name) {
  await page.context().clearCookies();
  await page.goto(base + "/login");
  await page.fill("#name", name);
  await page.fill("#password", PW);
  await Promise.all([page.waitForNavigation(),
                     page.press("#password", "Enter")]);
}

// No sideways scrolling of the page itself (tables and charts scroll in
// their own region) at this viewport.
export async function fits(page, what) {
  const w = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth]);
  ok(w[0] <= w[1], `${what}: no horizontal scrolling`, `${w[0]} > ${w[1]}`);
}
