/**
 * What the report views read: the adherence report (GET /api/v1/reports/adherence, every page), the contact volume
 * of a day, the tenant's today and bands; and their tables as CSV files (the API's rules: ../../http/csv.ts).
 */
import { signal } from "@preact/signals";
import type { paths } from "../../client/api.d.ts";
import { csvText } from "../../http/csv.ts";
import { api, errorText } from "../api.ts";

type ReportQuery = NonNullable<paths["/api/v1/reports/adherence"]["get"]["parameters"]["query"]>;
type ReportAnswer = paths["/api/v1/reports/adherence"]["get"]["responses"][200]["content"]["application/json"];
type VolumeAnswer = paths["/api/v1/contact-volume"]["get"]["responses"][200]["content"]["application/json"];
export type ReportRow = ReportAnswer["rows"][number];
export type Bands = ReportAnswer["bands"];

/** The tenant's zone (learned from any report's answer), so "today" is the tenant's day, not the viewer's. */
export const tenantZone = signal<string | null>(null);
/** The tenant's bands as last answered; the defaults until then. */
export const bands = signal<Bands>({ amberFromPct: 80, greenFromPct: 90, targetPct: 90 });

export type Read<T> = { ok: true; body: T } | { ok: false; error: string };

/** Every page of a report (nextCursor until null), or the server's words. */
export async function readReport(query: Omit<ReportQuery, "cursor" | "format">): Promise<Read<ReportRow[]>> {
  const rows: ReportRow[] = [];
  let cursor: string | undefined;
  try {
    do {
      const { data, error, response } = await api.GET("/api/v1/reports/adherence", {
        params: { query: { ...query, ...(cursor ? { cursor } : {}) } },
      });
      if (!data) return { ok: false, error: errorText(error, response) };
      tenantZone.value = data.timeZone;
      bands.value = data.bands;
      rows.push(...data.rows);
      cursor = data.nextCursor ?? undefined;
    } while (cursor);
  } catch {
    return { ok: false, error: "Server unreachable" };
  }
  return { ok: true, body: rows };
}

export type Volume = VolumeAnswer["intervals"][number];

/** A day's contact volume, every queue and source. */
export async function readVolume(date: string): Promise<Read<Volume[]>> {
  try {
    const { data, error, response } = await api.GET("/api/v1/contact-volume", {
      params: { query: { from: date, to: date } },
    });
    return data ? { ok: true, body: data.intervals } : { ok: false, error: errorText(error, response) };
  } catch {
    return { ok: false, error: "Server unreachable" };
  }
}

const dateIn = (at: number, timeZone: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Today in the tenant's zone: a one-day report tells the zone the first time. */
export async function tenantToday(): Promise<string> {
  if (!tenantZone.peek()) {
    const viewerToday = dateIn(Date.now(), Intl.DateTimeFormat().resolvedOptions().timeZone);
    await readReport({ from: viewerToday, to: viewerToday, groupBy: "day", limit: "1" });
  }
  return dateIn(Date.now(), tenantZone.peek() ?? "UTC");
}

/** The band a % falls in: the cell's colour class; its number is always written beside it. */
export function band(pct: number | null, b: Bands): "good" | "fair" | "poor" | "none" {
  if (pct === null) return "none";
  return pct >= b.greenFromPct ? "good" : pct >= b.amberFromPct ? "fair" : "poor";
}

/** Offers a table as a CSV file (BOM, RFC 4180, formulas neutralised, as the API's own CSV). */
export function downloadCsv(
  filename: string,
  columns: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
): void {
  const url = URL.createObjectURL(new Blob([csvText(columns, rows)], { type: "text/csv;charset=utf-8" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
