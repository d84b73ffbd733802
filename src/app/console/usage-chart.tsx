/**
 * A key's usage as a uPlot chart: the last 24 hours by hour, or the last 30 days by day (requests, records accepted
 * and refused, errors), each hour or day with none drawn as 0; the same numbers as a table beside it.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { KeyView } from "./calls.ts";

type Hour = KeyView["usage"]["hours"][number];
const SERIES = [
  { key: "requests", label: "Requests", stroke: "#7cb7ff", dash: [] },
  { key: "recordsAccepted", label: "Accepted", stroke: "#2e9d5b", dash: [] },
  { key: "recordsRefused", label: "Refused", stroke: "#d9822b", dash: [6, 4] },
  { key: "errors", label: "Errors", stroke: "#e5484d", dash: [2, 3] },
] as const;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Buckets (epoch s) from oldest to now, each with the hours in it summed. */
export function buckets(hours: readonly Hour[], span: "24h" | "30d", now = Date.now()): number[][] {
  const size = span === "24h" ? HOUR_MS : DAY_MS;
  const count = span === "24h" ? 24 : 30;
  const last = Math.floor(now / size) * size;
  const starts = Array.from({ length: count }, (_, i) => last - (count - 1 - i) * size);
  const sums = SERIES.map(() => starts.map(() => 0));
  for (const h of hours) {
    const i = starts.indexOf(Math.floor(Date.parse(h.hour) / size) * size);
    if (i < 0) continue;
    for (const [k, s] of SERIES.entries()) sums[k]![i]! += h[s.key];
  }
  return [starts.map((t) => t / 1000), ...sums];
}

export function UsageChart({ usage }: { usage: KeyView["usage"] }) {
  const span = useSignal<"24h" | "30d">("24h");
  const box = useRef<HTMLDivElement>(null);
  const data = buckets(usage.hours, span.value);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const plot = new uPlot(
      {
        width: Math.max(260, el.clientWidth),
        height: 160,
        series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, dash: [...s.dash], width: 2 }))],
        axes: [
          { stroke: "#9aa4b1", grid: { stroke: "#2c333d" } },
          { stroke: "#9aa4b1", grid: { stroke: "#2c333d" } },
        ],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      },
      data as uPlot.AlignedData,
      el,
    );
    // uPlot draws at a fixed width: follow the box (a phone turned, a window resized).
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(260, el.clientWidth), height: 160 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [span.value, usage]);
  const total = span.value === "24h" ? usage.last24Hours : usage.last30Days;
  return (
    <div class="usage">
      <div class="usage-head">
        <span>Usage</span>
        {(["24h", "30d"] as const).map((s) => (
          <button key={s} type="button" class="span" aria-pressed={span.value === s} onClick={() => (span.value = s)}>
            {s === "24h" ? "24 hours" : "30 days"}
          </button>
        ))}
      </div>
      <div
        ref={box}
        class="chart"
        role="img"
        aria-label={`Usage over the last ${span.value === "24h" ? "24 hours" : "30 days"}`}
      />
      <table class="plain usage-totals">
        <tbody>
          <tr>
            {SERIES.map((s) => (
              <td key={s.key} data-total={s.key}>
                <span class="muted">{s.label}</span> <strong>{total[s.key]}</strong>
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}
