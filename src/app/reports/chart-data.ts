/** The pure side of the report charts (chart.tsx): uPlot's columns from the rows, with the x axis they need. */

/** What uPlot draws: x, then one column per series (null: nothing known there). */
export type AlignedData = [number[], ...Array<Array<number | null>>];

interface Column {
  values: ReadonlyArray<number | null>;
}

export type Built = { data: AlignedData; labelAt: (index: number) => string };

/** x is the rows' order, labelled with their text. */
export function orderData(xLabels: readonly string[], series: readonly Column[]): Built {
  return {
    data: [xLabels.map((_, i) => i), ...series.map((s) => s.values)] as AlignedData,
    labelAt: (i) => xLabels[i] ?? "",
  };
}

/** x is time (uPlot's seconds); an empty point after each row followed by a gap longer than its step. */
export function timeData(
  xTimes: { at: readonly number[]; stepMs: number },
  xLabels: readonly string[],
  series: readonly Column[],
): Built {
  const xs: number[] = [];
  const labels: string[] = [];
  const columns: Array<Array<number | null>> = series.map(() => []);
  xTimes.at.forEach((at, row) => {
    xs.push(at / 1_000);
    labels.push(xLabels[row] ?? "");
    for (const [c, s] of series.entries()) columns[c]!.push(s.values[row] ?? null);
    const next = xTimes.at[row + 1];
    if (next !== undefined && next - at > xTimes.stepMs) {
      xs.push((at + xTimes.stepMs) / 1_000);
      labels.push("");
      for (const column of columns) column.push(null);
    }
  });
  return { data: [xs, ...columns] as AlignedData, labelAt: (i) => labels[i] ?? "" };
}
