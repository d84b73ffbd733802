/** SCREENSHOTS=1: a console page at 1400 and 400 px, as src/app/screenshots/console-<name>-<width>.png. */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { ROOT } from "./server.ts";

export async function screenshots(page: Page, target: Locator, name: string) {
  if (!process.env.SCREENSHOTS) return;
  for (const width of [1400, 400]) {
    await page.setViewportSize({ width, height: 900 });
    await writeFile(path.join(ROOT, `src/app/screenshots/console-${name}-${width}.png`), await target.screenshot());
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}
