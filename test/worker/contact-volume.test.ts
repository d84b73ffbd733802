import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ContactInterval } from "../../src/domain/contact-volume.ts";
import { contactVolume, importContactVolume } from "../../src/services/contact-volume.ts";
import { api, createKey, newTenant, postData } from "./helpers.ts";

const IMPORT = "/api/v1/import/historical";
const READ = "/api/v1/contact-volume";
const row = (interval: string, volume = 10, extra: Record<string, unknown> = {}) => ({
  date: "2026-11-20",
  interval,
  volume,
  aht: 240,
  queue: "sales",
  channel: "voice",
  ...extra,
});

async function getJson(key: string, path: string) {
  const res = await api(key, path);
  return { status: res.status, body: (await res.json()) as any };
}

async function setup(
  permissions: Parameters<typeof createKey>[1] = ["import:historical", "read:adherence", "admin:settings"],
) {
  const tenant = newTenant();
  const { key } = await createKey(tenant, permissions);
  return { tenant, key };
}

async function queueRows(tenant: string) {
  const { results } = await env.DB.prepare(
    "SELECT source, queue_id AS queueId, name FROM queues WHERE tenant = ? ORDER BY source, queue_id",
  )
    .bind(tenant)
    .all();
  return results;
}

function canonical(overrides: Partial<ContactInterval> = {}): ContactInterval {
  return {
    source: "injixo:42",
    queueId: "sales",
    queueName: "Sales team",
    channel: "",
    intervalStart: Date.parse("2026-11-20T08:00:00Z"),
    offered: 20,
    handled: 18,
    notHandled: 2,
    handleSeconds: 5400,
    holdSeconds: 300,
    serviceLevelPct: 82.5,
    outboundContacts: 3,
    outboundSeconds: 600,
    userData: ["campaign A", 'with "quotes", and commas'],
    ...overrides,
  };
}

describe("contact volume: native import, read back", () => {
  it("reads the native import back as canonical intervals with AHT, in JSON", async () => {
    const { key } = await setup();
    await postData(key, IMPORT, [
      row("08:00", 12, { aht: 285 }),
      row("08:15", 0),
      row("08:00", 3, { queue: "support", channel: "chat", aht: 301.5 }),
    ]);

    const { status, body } = await getJson(key, `${READ}?from=2026-11-20&to=2026-11-20`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ from: "2026-11-20T00:00:00.000Z", to: "2026-11-21T00:00:00.000Z", timeZone: "UTC" });
    expect(body.intervals).toEqual([
      {
        intervalStart: "2026-11-20T08:00:00.000Z",
        date: "2026-11-20",
        time: "08:00",
        source: "native",
        queueId: "sales",
        queueName: "sales",
        channel: "voice",
        offered: 12,
        handled: 12,
        notHandled: null,
        handleSeconds: 3420,
        holdSeconds: null,
        serviceLevelPct: null,
        outboundContacts: null,
        outboundSeconds: null,
        ahtSeconds: 285,
        userData: [],
      },
      expect.objectContaining({
        intervalStart: "2026-11-20T08:00:00.000Z",
        queueId: "support",
        channel: "chat",
        offered: 3,
        handleSeconds: 904.5,
        ahtSeconds: 301.5,
      }),
      // Nothing handled: no average to speak of.
      expect.objectContaining({
        intervalStart: "2026-11-20T08:15:00.000Z",
        queueId: "sales",
        offered: 0,
        handled: 0,
        handleSeconds: 0,
        ahtSeconds: null,
      }),
    ]);
  });

  it("answers CSV with the same rows, user data in its own columns", async () => {
    const { tenant, key } = await setup();
    await postData(key, IMPORT, [row("08:00", 12, { aht: 285 })]);
    await importContactVolume(env, tenant, [{ index: 0, value: canonical() }], { updateExisting: false });

    const res = await api(key, `${READ}?from=2026-11-20T08:00:00Z&to=2026-11-20T08:15:00Z&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="contact-volume-2026-11-20-2026-11-20.csv"',
    );
    const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(await res.arrayBuffer());
    expect(text.startsWith("\uFEFFintervalStart,")).toBe(true);
    const lines = text.slice(1).split("\r\n");
    expect(lines[0]).toBe(
      "intervalStart,date,time,source,queueId,queueName,channel,offered,handled,notHandled," +
        "handleSeconds,holdSeconds,serviceLevelPct,outboundContacts,outboundSeconds,ahtSeconds," +
        "userData1,userData2,userData3,userData4,userData5,userData6,userData7,userData8,userData9,userData10",
    );
    expect(lines.slice(1)).toEqual([
      "2026-11-20T08:00:00.000Z,2026-11-20,08:00,injixo:42,sales,Sales team,,20,18,2,5400,300,82.5,3,600,300," +
        'campaign A,"with ""quotes"", and commas",,,,,,,,',
      "2026-11-20T08:00:00.000Z,2026-11-20,08:00,native,sales,sales,voice,12,12,,3420,,,,,285,,,,,,,,,,",
      "",
    ]);
  });

  it("reads date and interval in the tenant's zone, and dates in the read too", async () => {
    const { key } = await setup();
    const put = await api(key, "/api/v1/settings", {
      method: "PUT",
      body: JSON.stringify({ timeZone: "Europe/Berlin", intervalMinutes: 30 }),
    });
    expect(put.status).toBe(200);
    const imported = await postData(key, IMPORT, [row("00:00"), row("08:15"), row("23:30")]);
    expect(imported.body.errors).toEqual([
      {
        index: 1,
        field: "interval",
        error: "interval 08:15 is not the start of a 30-minute interval",
        data: row("08:15"),
      },
    ]);

    const { body } = await getJson(key, `${READ}?from=2026-11-20&to=2026-11-20`);
    expect(body).toMatchObject({
      from: "2026-11-19T23:00:00.000Z",
      to: "2026-11-20T23:00:00.000Z",
      timeZone: "Europe/Berlin",
    });
    expect(body.intervals.map((r: any) => [r.intervalStart, r.date, r.time])).toEqual([
      ["2026-11-19T23:00:00.000Z", "2026-11-20", "00:00"],
      ["2026-11-20T22:30:00.000Z", "2026-11-20", "23:30"],
    ]);
  });

  it("refuses a wall time the tenant's clock skips", async () => {
    const { key } = await setup();
    await api(key, "/api/v1/settings", { method: "PUT", body: JSON.stringify({ timeZone: "America/New_York" }) });
    const { body } = await postData(key, IMPORT, [
      row("02:30", 5, { date: "2026-03-08" }),
      row("03:00", 5, { date: "2026-03-08" }),
    ]);
    expect(body).toMatchObject({ success: true, imported: 1, skipped: 0 });
    expect(body.errors).toEqual([
      {
        index: 0,
        field: "interval",
        error: "interval 02:30 does not exist on 2026-03-08 in America/New_York (the clock skips it)",
        data: row("02:30", 5, { date: "2026-03-08" }),
      },
    ]);
  });
});

describe("contact volume: updateExisting", () => {
  it("keeps a stored interval (skipped) unless updateExisting overwrites it", async () => {
    const { tenant, key } = await setup();
    await postData(key, IMPORT, [row("09:00", 5, { aht: 200 })]);
    const kept = await postData(key, IMPORT, [row("09:00", 50, { aht: 100 }), row("09:15", 1)]);
    expect(kept.body).toEqual({ success: true, imported: 1, skipped: 1, errors: [] });
    let read = await getJson(key, `${READ}?from=2026-11-20T09:00:00Z&to=2026-11-20T09:15:00Z`);
    expect(read.body.intervals).toEqual([expect.objectContaining({ offered: 5, ahtSeconds: 200 })]);

    const overwritten = await postData(key, IMPORT, [row("09:00", 50, { aht: 100 })], { updateExisting: true });
    expect(overwritten.body).toEqual({ success: true, imported: 1, skipped: 0, errors: [] });
    read = await getJson(key, `${READ}?from=2026-11-20T09:00:00Z&to=2026-11-20T09:15:00Z`);
    expect(read.body.intervals).toEqual([
      expect.objectContaining({ offered: 50, handled: 50, handleSeconds: 5000, ahtSeconds: 100 }),
    ]);

    // Through the service, a canonical record overwrites every column, nulls included.
    const full = canonical({
      source: "native",
      queueId: "sales",
      channel: "voice",
      intervalStart: Date.parse("2026-11-20T09:00:00Z"),
    });
    expect(
      (await importContactVolume(env, tenant, [{ index: 0, value: full }], { updateExisting: false })).counts,
    ).toEqual({ imported: 0, skipped: 1 });
    expect(
      (await importContactVolume(env, tenant, [{ index: 0, value: full }], { updateExisting: true })).counts,
    ).toEqual({ imported: 1, skipped: 0 });
    const { intervals } = await contactVolume(env, tenant, { from: full.intervalStart, to: full.intervalStart + 1 });
    expect(intervals).toEqual([{ ...full, queueName: "sales" }]);
  });
});

describe("contact volume: queues", () => {
  it("creates a queue on its first mention, once per source", async () => {
    const { tenant, key } = await setup();
    await postData(key, IMPORT, [
      row("08:00"),
      row("08:15"),
      row("08:00", 1, { queue: "support" }),
      row("08:30", 1, { queue: "" }),
    ]);
    await postData(key, IMPORT, [row("09:00"), row("09:00", 1, { queue: "support" })]);
    await importContactVolume(
      env,
      tenant,
      [
        { index: 0, value: canonical() },
        { index: 1, value: canonical({ intervalStart: Date.parse("2026-11-20T08:15:00Z"), queueName: "Renamed" }) },
      ],
      {
        updateExisting: false,
      },
    );
    expect(await queueRows(tenant)).toEqual([
      { source: "injixo:42", queueId: "sales", name: "Sales team" },
      { source: "native", queueId: "sales", name: "sales" },
      { source: "native", queueId: "support", name: "support" },
    ]);

    const bySource = await getJson(key, `${READ}?from=2026-11-20&to=2026-11-20&queue=sales&source=injixo:42`);
    expect(bySource.body.intervals.map((r: any) => [r.source, r.queueId, r.queueName])).toEqual([
      ["injixo:42", "sales", "Sales team"],
      ["injixo:42", "sales", "Sales team"],
    ]);
    const noQueue = await getJson(key, `${READ}?from=2026-11-20&to=2026-11-20&queue=`);
    expect(noQueue.body.intervals).toEqual([
      expect.objectContaining({ queueId: "", queueName: null, channel: "voice" }),
    ]);
    const chat = await getJson(key, `${READ}?from=2026-11-20&to=2026-11-20&channel=chat`);
    expect(chat.body.intervals).toEqual([]);
  });

  it("refuses a canonical record a door mapped wrongly, by index, and stores the rest", async () => {
    const { tenant } = await setup();
    const tooMuch = canonical({ userData: Array.from({ length: 11 }, (_, i) => String(i)) });
    const outcome = await importContactVolume(
      env,
      tenant,
      [
        { index: 3, value: tooMuch },
        { index: 4, value: canonical({ offered: -2 }) },
        { index: 7, value: canonical() },
      ],
      {
        updateExisting: false,
      },
    );
    expect(outcome).toEqual({
      counts: { imported: 1, skipped: 0 },
      errors: [
        { index: 3, field: "userData", error: "userData must be a list of at most 10 strings" },
        { index: 4, field: "offered", error: "offered must be a whole number of contacts, not negative" },
      ],
      warnings: [],
    });
  });
});

describe("GET /api/v1/contact-volume: validation", () => {
  it("answers 400 naming the field for a missing, malformed or reversed range", async () => {
    const { key } = await setup();
    const cases: Array<[string, string, string]> = [
      ["?to=2026-11-20", "from", "Missing query parameter: from (an ISO 8601 instant or a YYYY-MM-DD date)"],
      ["?from=2026-11-20", "to", "Missing query parameter: to (an ISO 8601 instant or a YYYY-MM-DD date)"],
      [
        "?from=yesterday&to=2026-11-20",
        "from",
        "Invalid from: yesterday (expected an ISO 8601 instant with a zone, " +
          "e.g. 2026-11-20T08:00:00Z, or a YYYY-MM-DD date)",
      ],
      [
        "?from=2026-11-20&to=2026-11-20T10:00:00",
        "to",
        "Invalid to: 2026-11-20T10:00:00 (expected an ISO 8601 instant with a zone, " +
          "e.g. 2026-11-20T08:00:00Z, or a YYYY-MM-DD date)",
      ],
      ["?from=2026-11-21&to=2026-11-20", "to", "to must be after from"],
      ["?from=2026-01-01&to=2026-04-03", "to", "The range spans more than 92 days: split the request"],
      ["?from=2026-11-20&to=2026-11-20&format=xlsx", "format", "Unknown format: xlsx (expected json or csv)"],
    ];
    for (const [query, field, error] of cases) {
      expect(await getJson(key, `${READ}${query}`), query).toEqual({ status: 400, body: { error, field } });
    }
    expect((await getJson(key, `${READ}?from=2026-01-01&to=2026-04-02`)).status).toBe(200);
  });

  it("needs read:adherence", async () => {
    const { key } = await setup(["import:historical"]);
    expect(await getJson(key, `${READ}?from=2026-11-20&to=2026-11-20`)).toEqual({
      status: 403,
      body: { error: "Missing permission: read:adherence", permission: "read:adherence" },
    });
  });
});

describe("contact volume: tenant isolation", () => {
  it("reads and names queues only within the key's tenant", async () => {
    const a = await setup();
    const b = await setup();
    await postData(a.key, IMPORT, [row("08:00", 7)]);
    await postData(b.key, IMPORT, [row("08:00", 9)]);
    await importContactVolume(
      env,
      b.tenant,
      [
        {
          index: 0,
          value: canonical({
            source: "native",
            queueName: "B's sales",
            channel: "voice",
            intervalStart: Date.parse("2026-11-20T08:15:00Z"),
          }),
        },
      ],
      {
        updateExisting: false,
      },
    );

    const readA = await getJson(a.key, `${READ}?from=2026-11-20&to=2026-11-20`);
    expect(readA.body.intervals).toEqual([expect.objectContaining({ offered: 7, queueName: "sales" })]);
    const readB = await getJson(b.key, `${READ}?from=2026-11-20&to=2026-11-20`);
    expect(readB.body.intervals.map((r: any) => r.offered)).toEqual([9, 20]);
    expect(await queueRows(a.tenant)).toEqual([{ source: "native", queueId: "sales", name: "sales" }]);
    expect(await queueRows(b.tenant)).toEqual([{ source: "native", queueId: "sales", name: "sales" }]);
  });
});
