/**
 * `node test/bench/cost-model.mjs --rows-unwatched U --rows-watched W`: dollars per million events
 * for three tenant shapes, and a 10,000-agent tenant at 1,000 events/s for an hour against the
 * platform's limits — fed with the rows written per event that `npm run bench` (the cost test)
 * measured. Everything else here is the price list and the shapes' assumptions, written out.
 */
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    "rows-unwatched": { type: "string" },
    "rows-watched": { type: "string" },
    "d1-bytes-per-row": { type: "string" },
  },
});
const ROWS_UNWATCHED = Number(args["rows-unwatched"]);
const ROWS_WATCHED = Number(args["rows-watched"]);
if (!(ROWS_UNWATCHED > 0 && ROWS_WATCHED > 0))
  throw new Error("give --rows-unwatched and --rows-watched (from npm run bench)");

// Cloudflare's list prices (Workers Paid), per million: Workers requests and CPU-ms, Durable Object
// requests (RPC calls, alarms) and GB-s, SQLite rows written (Durable Objects and D1 alike).
const PRICE = { workerRequest: 0.3, workerCpuMs: 0.02, objectRequest: 0.15, objectGbS: 12.5, rowWritten: 1.0 };
// Assumed, not measured on the platform: CPU per Worker request, wall time per object call (128 MB).
const CPU_MS_PER_REQUEST = 2;
const GB_S_PER_OBJECT_CALL = 0.128 * 0.005;
// An agent changes state about every 2 minutes while on shift: 7.5 changes per 15-minute interval;
// its alarm writes the closed interval once per interval (one object request).
const CHANGES_PER_AGENT_INTERVAL = 7.5;

/**
 * $ per million events: requests of `eventsPerRequest`, one agent call per event, one hub call per request while
 * watched.
 */
function dollarsPerMillion({ eventsPerRequest, watched }) {
  const requests = 1e6 / eventsPerRequest;
  const objectCalls = 1e6 + (watched ? requests : 0) + 1e6 / CHANGES_PER_AGENT_INTERVAL;
  const rows = 1e6 * (watched ? ROWS_WATCHED : ROWS_UNWATCHED);
  const parts = {
    workers: (requests * (PRICE.workerRequest + CPU_MS_PER_REQUEST * PRICE.workerCpuMs)) / 1e6,
    objects: (objectCalls * (PRICE.objectRequest + GB_S_PER_OBJECT_CALL * PRICE.objectGbS)) / 1e6,
    rowsWritten: (rows * PRICE.rowWritten) / 1e6,
  };
  return { ...parts, total: parts.workers + parts.objects + parts.rowsWritten };
}

const shapes = [
  { name: "300 agents, each change posted alone", eventsPerRequest: 1 },
  { name: "300 agents, one batch every 30 s (≈75 changes)", eventsPerRequest: 75 },
  { name: "10,000 agents at 1,000 events/s, one batch per second", eventsPerRequest: 1_000 },
];
const money = (x) => `$${x.toFixed(2)}`;
console.log("$ per 1M events (board watched all day / nobody watching):");
for (const shape of shapes) {
  const watched = dollarsPerMillion({ ...shape, watched: true });
  const unwatched = dollarsPerMillion({ ...shape, watched: false });
  console.log(
    `  ${shape.name}: ${money(watched.total)} / ${money(unwatched.total)}` +
      `  (watched: Workers ${money(watched.workers)}, ` +
      `objects ${money(watched.objects)}, rows ${money(watched.rowsWritten)})`,
  );
}

// The 10,000-agent tenant for an hour, against the limits.
const AGENTS = 10_000;
const EVENTS_PER_S = 1_000;
const HOUR_S = 3_600;
const intervalsPerHour = 4;
const events = EVENTS_PER_S * HOUR_S;
const d1IntervalRows = AGENTS * intervalsPerHour;
// One interval row: tenant, agent key (36), start, date, time, six totals, plus its day index entry:
// measured by test/worker/d1-size.test.ts from D1's own size_after (npm run bench prints it).
const BYTES_PER_INTERVAL_ROW = Number(args["d1-bytes-per-row"] ?? 203);
// Rows are written for the intervals an agent's alarm closes (while on shift) or its events touch:
// a 9-hour shift is 36 of them a day.
const INTERVALS_PER_AGENT_DAY = 36;
console.log(`\n10,000 agents at 1,000 events/s for an hour (${events.toLocaleString("en")} events):`);
console.log(
  `  rows written: ${(events * ROWS_WATCHED).toLocaleString("en")} (board watched), ` +
    "nearly all in the agents' own SQLite",
);
console.log(
  `  D1 writes: ${d1IntervalRows.toLocaleString("en")} interval rows (${(d1IntervalRows / HOUR_S).toFixed(1)}/s, ` +
    `spread over each close's first minute: ${(AGENTS / 60).toFixed(0)}/s)`,
);
console.log(
  `  D1 size: +${((d1IntervalRows * BYTES_PER_INTERVAL_ROW) / 1e6).toFixed(1)} MB per hour; ` +
    "a 9-hour shift for every agent: " +
    `${((AGENTS * INTERVALS_PER_AGENT_DAY * BYTES_PER_INTERVAL_ROW) / 1e6).toFixed(0)} MB/day → one 10 GB ` +
    `database holds ${(10e9 / (AGENTS * INTERVALS_PER_AGENT_DAY * BYTES_PER_INTERVAL_ROW)).toFixed(0)} days`,
);
console.log(`  agent objects: ${(EVENTS_PER_S / AGENTS).toFixed(2)} requests/s each (limit ~1,000/s per object)`);
console.log(
  "  hub object: 1 publish per batch request = 1/s batched, " +
    `${EVENTS_PER_S}/s if every change were posted alone (at the per-object soft limit)`,
);
console.log(
  "  subrequests: a batch calls one object per agent in it: " +
    `≤ ${AGENTS.toLocaleString("en")} + 3 per request (limit 10,000 on Workers Paid): batches of ≤ 9,000 agents`,
);
console.log(
  "  D1 queries from ingest: 1 directory read per request (1/s batched; " +
    `${EVENTS_PER_S}/s posted singly, near one database's throughput)`,
);
