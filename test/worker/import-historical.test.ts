import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createKey, newTenant, postData } from "./helpers.ts";

const PATH = "/api/v1/import/historical";
const row = (interval: string, volume = 10, extra: Record<string, unknown> = {}) => ({
  date: "2026-11-20",
  interval,
  volume,
  aht: 240,
  queue: "sales",
  channel: "voice",
  ...extra,
});

/** The stored intervals as the native API sent them (the tenant's zone is UTC). */
async function stored(tenant: string) {
  const { results } = await env.DB.prepare(
    `SELECT strftime('%Y-%m-%d', interval_start / 1000, 'unixepoch')
      AS date, strftime('%H:%M', interval_start / 1000, 'unixepoch') AS interval,
            queue_id AS queue, channel, offered AS volume, handle_seconds / handled AS aht
     FROM contact_intervals WHERE tenant = ? AND source = 'native' ORDER BY interval_start, queue_id`,
  )
    .bind(tenant)
    .all();
  return results;
}

describe("POST /api/v1/import/historical", () => {
  it("stores contact volume per date, interval, queue and channel", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:historical"]);
    const { status, body } = await postData(key, PATH, [
      row("08:00", 12),
      row("08:15", 7),
      row("08:00", 3, { queue: "support", channel: "chat" }),
    ]);
    expect(status).toBe(201);
    expect(body).toEqual({ success: true, imported: 3, skipped: 0, errors: [] });
    expect(await stored(tenant)).toEqual([
      { date: "2026-11-20", interval: "08:00", queue: "sales", channel: "voice", volume: 12, aht: 240 },
      { date: "2026-11-20", interval: "08:00", queue: "support", channel: "chat", volume: 3, aht: 240 },
      { date: "2026-11-20", interval: "08:15", queue: "sales", channel: "voice", volume: 7, aht: 240 },
    ]);
  });

  it("skips rows already stored unless updateExisting is true", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:historical"]);
    await postData(key, PATH, [row("09:00", 5)]);
    const again = await postData(key, PATH, [row("09:00", 50), row("09:15", 1)]);
    expect(again.body).toMatchObject({ imported: 1, skipped: 1 });
    expect((await stored(tenant)).find((r) => r.interval === "09:00")).toMatchObject({ volume: 5 });

    const update = await postData(key, PATH, [row("09:00", 50)], { updateExisting: true });
    expect(update.body).toMatchObject({ imported: 1, skipped: 0 });
    expect((await stored(tenant)).find((r) => r.interval === "09:00")).toMatchObject({ volume: 50 });
  });

  it("reports bad records by index and keeps the good ones", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:historical"]);
    const data = [
      row("10:00"),
      row("10:07"),
      { ...row("10:15"), date: "2026-02-30" },
      { ...row("10:30"), volume: -1 },
      { ...row("10:45"), channel: "fax" },
      { interval: "11:00", volume: 1, aht: 1 },
      row("11:15"),
    ];
    const { status, body } = await postData(key, PATH, data);
    expect(status).toBe(201);
    expect(body.imported).toBe(2);
    expect(body.errors).toEqual([
      { index: 1, field: "interval", error: "interval 10:07 is not the start of a 15-minute interval", data: data[1] },
      { index: 2, field: "date", error: "Invalid date: expected YYYY-MM-DD", data: data[2] },
      { index: 3, field: "volume", error: "volume must not be negative", data: data[3] },
      { index: 4, field: "channel", error: "Unknown channel: fax (expected voice, chat or email)", data: data[4] },
      { index: 5, field: "date", error: "Missing field: date", data: data[5] },
    ]);
    expect((await stored(tenant)).map((r) => r.interval)).toEqual(["10:00", "11:15"]);
  });

  it("answers 400 with the same body when no record is acceptable", async () => {
    const { key } = await createKey(newTenant(), ["import:historical"]);
    const { status, body } = await postData(key, PATH, [{ date: "yesterday" }]);
    expect(status).toBe(400);
    expect(body).toMatchObject({
      success: false,
      error: "No record was acceptable: all 1 were refused (see errors)",
      imported: 0,
      skipped: 0,
      errors: [{ index: 0 }],
    });
  });

  it("accepts 10,000 records in one request", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:historical"]);
    const data = Array.from({ length: 10_000 }, (_, i) => ({
      date: "2026-11-20",
      interval: `${String(Math.floor((i % 96) / 4)).padStart(2, "0")}:${String((i % 4) * 15).padStart(2, "0")}`,
      queue: `q${Math.floor(i / 96)}`,
      volume: i % 50,
      aht: 200 + (i % 100),
    }));
    const { status, body } = await postData(key, PATH, data);
    expect(status).toBe(201);
    expect(body).toMatchObject({ success: true, imported: 10_000, skipped: 0, errors: [] });
    const count = await env.DB.prepare("SELECT count(*) AS n FROM contact_intervals WHERE tenant = ?")
      .bind(tenant)
      .first("n");
    expect(count).toBe(10_000);
  });
});
