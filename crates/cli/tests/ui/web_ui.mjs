// The web UI driven in headless Chromium (Debian's) by playwright-core, as an operator uses it:
// create a source from the form with a mistake and fix it, watch its records/s rise, make a sink
// fail into its dead letter queue and find the record there, reset offsets, pause and resume,
// and look at the cluster and logging pages, at 1280 px and at a phone's width.
//
// Arguments: the worker's base URL, a directory for the connectors' files, a directory for the
// screenshots. Environment: PLAYWRIGHT_MODULES, the node_modules holding playwright-core;
// BROWSER, `chromium` (Debian's, over CDP) or `firefox` (Debian's ESR, over WebDriver BiDi).

import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [base, work, shots] = process.argv.slice(2);
const require = createRequire(path.join(process.env.PLAYWRIGHT_MODULES, "resolve-from-here.js"));
const { chromium, firefox } = require("playwright-core");

const SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const TIMEOUT = 60_000;
const input = path.join(work, "ui-input.txt");

fs.mkdirSync(shots, { recursive: true });
fs.writeFileSync(input, "");
const LAUNCH = {
  chromium: () =>
    chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }),
  firefox: () => firefox.launch({ channel: "moz-firefox", executablePath: "/usr/bin/firefox-esr" }),
};
const browser = await LAUNCH[process.env.BROWSER || "chromium"]();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.setDefaultTimeout(TIMEOUT);
const pageErrors = [];
let current = "start";
// Over BiDi, each of Playwright's screenshots injects a <style>, which the UI's content security
// policy refuses and Firefox reports as a page error; the UI itself makes no inline style, and
// the Chromium run fails on any policy violation.
const SCREENSHOT_STYLE = /blocked an inline style \(style-src-elem\)/;
page.on("pageerror", (err) => {
  if (!SCREENSHOT_STYLE.test(err.message)) pageErrors.push(`${current}: ${err.message}`);
});
page.on("console", (message) => {
  if (message.type() === "error" && /Content Security Policy/i.test(message.text())) {
    pageErrors.push(`${current}: ${message.text()}`);
  }
});
page.on("dialog", (dialog) => dialog.accept());

let written = 0;
const writer = setInterval(() => {
  const lines = Array.from({ length: 20 }, () => `line-${String(written++).padStart(6, "0")}\n`);
  fs.appendFileSync(input, lines.join(""));
}, 200);

async function step(name, run) {
  process.stdout.write(`${name}\n`);
  current = name;
  try {
    await run();
  } catch (err) {
    await page.screenshot({ path: path.join(shots, "failure.png"), fullPage: true }).catch(() => {});
    throw new Error(`${name}: ${err.message}\npage text:\n${await page.locator("body").innerText().catch(() => "")}`);
  }
}

/** Goes to a page of the UI by its `#/…` address, as a link does (no reload). */
const open = (address) => page.evaluate((hash) => { location.hash = hash; }, address);
const shot = (name, fullPage = true) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
const heading = () => page.locator("main h1");

/**
 * On the new-sink form, saves from the JSON tab a FileStreamSink `name` of topic ui-lines whose
 * JsonConverter fails every line, with `errors` settings; waits for its page.
 */
async function saveJsonSink(name, errors) {
  await page.locator('input[name="topics"]').waitFor();
  await page.click('button[role="tab"]:text-is("JSON")');
  await page.fill("textarea.json", JSON.stringify({
    name,
    "connector.class": SINK,
    topics: "ui-lines",
    file: path.join(work, `${name}.txt`),
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    ...errors,
  }));
  await page.click('button:text-is("Save JSON")');
  await page.waitForURL(new RegExp(`#/connectors/${name}$`));
}
const expectText = (locator, pattern) => locator.filter({ hasText: pattern }).first().waitFor();

try {
  await step("the connectors page says there are none", async () => {
    await page.goto(`${base}/ui`);
    await expectText(page.locator("main p"), /No connectors yet/);
    await shot("01-connectors-empty");
  });

  await step("a source from the form: a mistake is shown beside its field, then fixed", async () => {
    await page.click("text=New connector");
    await page.fill('input[type="search"]', "FileStreamSource");
    await page.click(`a:text-is("${SOURCE}")`);
    const tasksMax = page.locator('input[name="tasks.max"]');
    await page.fill('input[name="name"]', "ui-source");
    await tasksMax.fill("many");
    const error = page.locator('[data-error-for="tasks.max"]');
    await expectText(error, /.+/);
    if (!(await page.locator('[data-key="tasks.max"]').getAttribute("class")).includes("invalid")) {
      throw new Error("tasks.max is not marked invalid");
    }
    await shot("02-form-error");
    await tasksMax.fill("1");
    await page.waitForFunction(() => document.querySelector('[data-error-for="tasks.max"]').textContent === "");
    await page.fill('input[name="file"]', input);
    await page.fill('input[name="topic"]', "ui-lines");
    await page.fill('input[name="value.converter"]', "org.apache.kafka.connect.storage.StringConverter");
    await expectText(page.locator(".error-count"), /no errors/);
    await page.click('button:text-is("Save")');
    await page.waitForURL(/#\/connectors\/ui-source$/);
    await expectText(heading(), /RUNNING/);
  });

  await step("its records/s rise on the live chart", async () => {
    await page.waitForFunction(() => {
      const legend = document.querySelector('.task-charts[data-task="0"] .legend[data-series="in"]');
      return legend && Number(legend.textContent.replace(/[^0-9.]/g, "")) > 0;
    });
    await page.locator(".task-charts polyline").first().waitFor();
    await shot("03-connector-live");
  });

  await step("a sink created from raw JSON fails every record into its dead letter queue", async () => {
    await page.click("text=New connector");
    await page.fill('input[type="search"]', "FileStreamSink");
    await page.click(`a:text-is("${SINK}")`);
    await saveJsonSink("ui-sink", {
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": "ui-dlq",
      "errors.deadletterqueue.topic.replication.factor": "1",
      "errors.deadletterqueue.context.headers.enable": "true",
    });
    await expectText(heading(), /RUNNING/);
    await page.locator("table.lag tbody tr").first().waitFor();
  });

  await step("the connectors page shows both at a glance, the source's records/s and the sink's DLQ writes", async () => {
    await page.click("text=Connectors");
    const cell = (name, metric) => `tr[data-connector="${name}"] td[data-metric="${metric}"]`;
    await page.waitForFunction(
      ([source, sink]) => [source, sink].every((s) => Number(document.querySelector(s)?.textContent.replace(/[^0-9.]/g, "")) > 0),
      [cell("ui-source", "in"), cell("ui-sink", "dlq")],
    );
    await expectText(page.locator('tr[data-connector="ui-sink"]'), /RUNNING/);
    await shot("04-connectors");
    await page.click('a:text-is("ui-sink")');
    await page.waitForURL(/#\/connectors\/ui-sink$/);
  });

  await step("the record is in the dead letter queue browser, its error headers decoded", async () => {
    await page.click("text=Dead letter queue");
    const record = page.locator(".dlq-record").first();
    for (let i = 0; !(await record.isVisible()); i++) {
      if (i > 60) throw new Error("no record in the dead letter queue");
      await page.waitForTimeout(500);
      await page.click('button:text-is("Refresh")');
    }
    await expectText(record.locator("header strong"), /org\.apache\.kafka\.connect\.errors\.DataException/);
    await expectText(record.locator("dl"), /VALUE_CONVERTER/);
    await expectText(record.locator(".dlq-value"), /^line-\d{6}$/);
    await page.selectOption('select[name="class"]', "org.apache.kafka.connect.errors.DataException");
    await page.selectOption('select[name="mode"]', "hex");
    await expectText(page.locator(".dlq-record .dlq-value").first(), /^6c 69 6e 65 2d/);
    await shot("05-dead-letter-queue", false);
  });

  await step("a sink that tolerates no error FAILS, its trace shown in full; restarting only failed tasks", async () => {
    await open("#/new/FileStreamSink");
    await saveJsonSink("ui-failing", {});
    const trace = page.locator('tr[data-task="0"] .trace pre');
    await expectText(trace, /Tolerance exceeded in error handler.*VALUE_CONVERTER.*JsonConverter.*offset 0\)$/);
    await expectText(page.locator('tr[data-task="0"]'), /FAILED/);
    await shot("06-failed-task");
    await page.check('input[name="includeTasks"]');
    await page.check('input[name="onlyFailed"]');
    await page.click('button:text-is("Restart")');
    await expectText(page.locator("#notice"), /Restarting ui-failing/);
    await expectText(page.locator('tr[data-task="0"]'), /FAILED/);
    await page.click('button:text-is("Delete")');
    await page.waitForURL(/#\/connectors$/);
  });

  await step("the source's offsets: stopped with one click, altered, then reset", async () => {
    await open("#/connectors/ui-source/offsets");
    await expectText(page.locator("pre.offsets"), /"position"/);
    await page.click('button:text-is("Stop the connector")');
    await expectText(page.locator(".offsets-state"), /STOPPED/);
    await page.fill('textarea[name="offsets"]', JSON.stringify({
      offsets: [{ partition: { filename: input }, offset: { position: 12 } }],
    }));
    await page.click('button:text-is("Alter offsets")');
    await expectText(page.locator("#notice"), /altered/i);
    await expectText(page.locator("pre.offsets"), /"position": 12\b/);
    await page.click('button:text-is("Reset offsets")');
    await expectText(page.locator("#notice"), /reset/i);
    await expectText(page.locator("pre.offsets"), /"offsets": \[\]/);
    await shot("07-offsets");
    await page.click('button:text-is("Resume")');
    await page.waitForURL(/#\/connectors\/ui-source$/);
    await expectText(heading(), /RUNNING/);
  });

  await step("pause and resume", async () => {
    await page.click('button:text-is("Pause")');
    await expectText(heading(), /PAUSED/);
    if (!(await page.locator('button:text-is("Pause")').isDisabled())) throw new Error("Pause is still offered");
    await page.click('button:text-is("Resume")');
    await expectText(heading(), /RUNNING/);
  });

  await step("the cluster page shows this worker running both connectors", async () => {
    await page.click("text=Cluster");
    const row = page.locator("table.workers tbody tr").first();
    await expectText(row, /ui-sink/);
    await expectText(row, /ui-source-0/);
    await expectText(row, /\d+s/);
    await expectText(page.locator("dl.summary"), /standalone/);
    await shot("08-cluster");
  });

  await step("a logger's level is changed", async () => {
    await page.click("text=Logging");
    await page.locator('tr[data-logger="root"]').waitFor();
    await page.fill('input[name="logger"]', "org.apache.kafka.connect.file");
    await page.selectOption('select[name="new-level"]', "DEBUG");
    await page.click('button:text-is("Set")');
    const row = page.locator('tr[data-logger="org.apache.kafka.connect.file"]');
    await row.waitFor();
    if ((await row.locator("select").inputValue()) !== "DEBUG") throw new Error("the level is not DEBUG");
    await shot("09-logging");
  });

  await step("at a phone's width nothing overflows the page", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [address, name] of [["#/connectors", "10-phone-connectors"], ["#/connectors/ui-sink", "11-phone-connector"], ["#/new/FileStreamSource", "12-phone-form"]]) {
      await open(address);
      await page.locator("main h1").waitFor();
      await page.waitForTimeout(500);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 392) throw new Error(`${address} is ${width} px wide`);
      await shot(name);
    }
  });

  if (pageErrors.length) throw new Error(`the page threw: ${pageErrors.join("; ")}`);
} finally {
  clearInterval(writer);
  await browser.close();
}
