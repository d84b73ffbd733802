/**
 * A uPlot chart sized from its container: as wide as the page allows (400 px phone to wall screen), redrawn on
 * resize. The x axis is the rows' order (intervals or days) labelled with their own text, so no time zone
 * arithmetic happens in the browser: the server's dates and times are shown as given.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

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
}: {
  id: string;
  label: string;
  /** What the x axis counts (the legend's first entry): "Interval", "Day". */
  xName: string;
  xLabels: readonly string[];
  series: readonly ChartSeries[];
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(240, Math.floor(el.clientWidth));
    const big = width() >= 1000;
    const font = `${big ? 14 : 12}px system-ui, sans-serif`;
    const hasCount = series.some((s) => s.scale === "count");
    const plot = new uPlot(
      {
        width: width(),
        height: heightFor(width()),
        scales: {
          x: { time: false },
          pct: { range: [0, 100] },
          count: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [
          {
            ...AXIS,
            font,
            // Whole steps only: a label per interval or day, never one between two.
            incrs: WHOLE_STEPS,
            values: (_u, splits) => splits.map((i) => xLabels[Math.round(i)] ?? ""),
            space: big ? 70 : 55,
          },
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
          { label: xName, value: (_u, i) => (i == null ? "" : (xLabels[Math.round(i)] ?? "")) },
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
        cursor: { drag: { x: false, y: false } },
      },
      [xLabels.map((_, i) => i), ...series.map((s) => s.values)] as uPlot.AlignedData,
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
  }, [xLabels, series]);
  return (
    <figure class="chart">
      <figcaption class="visually-hidden">{label} (the table below has its numbers)</figcaption>
      <div id={id} ref={box} role="img" aria-label={label} />
    </figure>
  );
}
