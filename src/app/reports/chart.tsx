/**
 * A uPlot chart sized from its container: as wide as the page allows (400 px phone to wall screen), redrawn on
 * resize. The x axis is either the rows' order (days) labelled with their own text, or (intervals) time: the
 * instants the server gave, drawn in the tenant's zone (uPlot.tzDate, the browser's Intl), so hours nobody worked
 * take their width and a line breaks across them.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { orderData, timeData } from "./chart-data.ts";

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** Which y axis: "pct" (left, 0–100) or "count" (right). */
  scale: "pct" | "count";
  stroke: string;
  /** Dashes tell lines apart without colour. */
  dash?: number[];
  bars?: boolean;
}

const WHOLE_STEPS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 30, 40, 50, 100, 200, 500, 1000];
const AXIS = { stroke: "#c4cbd4", grid: { stroke: "#2c333d", width: 1 }, ticks: { stroke: "#2c333d" } };

function heightFor(width: number): number {
  return Math.round(Math.min(520, Math.max(220, width * 0.38)));
}

export function Chart({
  id,
  label,
  xName,
  xLabels,
  series,
  xTimes,
}: {
  id: string;
  label: string;
  /** What the x axis counts (the legend's first entry): "Interval", "Day". */
  xName: string;
  xLabels: readonly string[];
  series: readonly ChartSeries[];
  /** A time axis: each row's instant (ms), the tenant's zone, the rows' step (ms); a longer gap breaks the lines. */
  xTimes?: { at: readonly number[]; timeZone: string; stepMs: number };
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(240, Math.floor(el.clientWidth));
    const big = width() >= 1000;
    const font = `${big ? 14 : 12}px system-ui, sans-serif`;
    const hasCount = series.some((s) => s.scale === "count");
    const { data, labelAt } = xTimes ? timeData(xTimes, xLabels, series) : orderData(xLabels, series);
    const xAxis = xTimes
      ? {
          ...AXIS,
          font,
          space: big ? 70 : 55,
          // 24-hour times in the tenant's zone, as the table writes them.
          values: (_u: uPlot, splits: number[]) =>
            splits.map((ts) => hhmm(uPlot.tzDate(new Date(ts * 1_000), xTimes.timeZone))),
        }
      : {
          ...AXIS,
          font,
          // Whole steps only: a label per interval or day, never one between two.
          incrs: WHOLE_STEPS,
          values: (_u: uPlot, splits: number[]) => splits.map((i) => xLabels[Math.round(i)] ?? ""),
          space: big ? 70 : 55,
        };
    const plot = new uPlot(
      {
        width: width(),
        height: heightFor(width()),
        scales: {
          x: { time: xTimes !== undefined },
          pct: { range: [0, 100] },
          count: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [
          xAxis,
          {
            ...AXIS,
            font,
            scale: "pct",
            label: "Adherence %",
            labelFont: font,
            values: (_u, v) => v.map((n) => `${n} %`),
          },
          ...(hasCount
            ? [
                {
                  ...AXIS,
                  font,
                  scale: "count",
                  side: 1 as const,
                  incrs: WHOLE_STEPS,
                  label: "Agents, contacts",
                  labelFont: font,
                  grid: { show: false },
                },
              ]
            : []),
        ],
        series: [
          { label: xName, value: (_u, _v, _s, i) => (i == null ? "" : labelAt(i)) },
          ...series.map((s) => ({
            label: s.label,
            scale: s.scale,
            stroke: s.stroke,
            width: 2,
            ...(s.dash ? { dash: s.dash } : {}),
            ...(s.bars ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }), fill: `${s.stroke}55` } : {}),
            points: { show: !s.bars, size: 5 },
            // An interval without volume is unknown, not zero: the line breaks there rather than drawing values
            // nobody recorded across it (each known value still shows as a point).
            spanGaps: false,
            value: (_u: uPlot, v: number | null) =>
              v == null ? "—" : s.scale === "pct" ? `${Math.round(v)} %` : `${v}`,
          })),
        ],
        legend: { show: true },
        ...(xTimes ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1_000), xTimes.timeZone) } : {}),
        cursor: { drag: { x: false, y: false } },
      },
      data as uPlot.AlignedData,
      el,
    );
    let last = width();
    const observer = new ResizeObserver(() => {
      if (width() === last) return;
      last = width();
      plot.setSize({ width: last, height: heightFor(last) });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [xLabels, series, xTimes]);
  return (
    <figure class="chart">
      <figcaption class="visually-hidden">{label} (the table below has its numbers)</figcaption>
      <div id={id} ref={box} role="img" aria-label={label} />
    </figure>
  );
}

const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
