/**
 * An agent's day as a timeline: schedule, actual states and adherence drawn as shares of the window (the shift ± 1
 * hour, ./timeline/geometry.ts), a line for now, a card for the clicked state change, the day's totals and
 * exceptions, previous / next day. It refetches within a second of a change for this agent on the board's socket.
 */
import { useSignal, useSignalEffect } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { type Approval, type DayTotals, type Timeline, api, errorText, listApprovals } from "./api.ts";
import { AlarmActions } from "./board.tsx";
import { ApproveForm, Approvals } from "./corrections.tsx";
import {
  LEVEL_LABELS,
  NONE,
  activityLabel,
  agentName,
  clock,
  codeLabel,
  duration,
  type Level,
  level,
  percent,
  seconds,
  stateLabel,
  teamLabel,
  viewerZone,
} from "./format.ts";
import { canApprove } from "./identity.ts";
import { lastChange, now, rows, rowsVersion } from "./live.ts";
import { type AgentRoute, agentHref, boardHref } from "./route.ts";
import { type TimeWindow, hourTicks, place, share, stateSpans, timelineWindow } from "./timeline/geometry.ts";

type StateChange = Timeline["states"][number];
type Segment = Timeline["schedule"][number];
type AdherenceSpan = Timeline["spans"][number];

const ms = (text: string) => Date.parse(text);
const iso = (at: number) => new Date(at).toISOString();
const ADHERENCE_TEXT: Record<AdherenceSpan["adherence"], string> = {
  in: "In",
  out: "Out",
  neutral: "Neutral",
  unscheduled: "",
};

function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const REFRESH_AFTER_CHANGE_MS = 150;
/** Loads of a day, numbered: only the latest one's answers are shown (a slow earlier day must not overwrite it). */
let loads = 0;
const TODAY_REFRESH_MS = 30_000;

export function AgentDay({ route }: { route: AgentRoute }) {
  const timeline = useSignal<Timeline | null>(null);
  const totals = useSignal<DayTotals | null>(null);
  const error = useSignal<string | null>(null);
  const picked = useSignal<number | null>(null);
  const approvals = useSignal<Approval[]>([]);
  /** The span the approve form is open for (from an out block), null: closed. */
  const approving = useSignal<{ start: number; end: number } | null>(null);

  const load = async () => {
    const mine = ++loads;
    const path = { agentId: route.agentId };
    const query = route.date ? { date: route.date } : {};
    const [t, a] = await Promise.all([
      api.GET("/api/v1/agents/{agentId}/timeline", { params: { path, query } }),
      api.GET("/api/v1/adherence", { params: { query: { agentId: route.agentId, ...query } } }),
    ]);
    if (mine !== loads) return;
    if (!t.data) {
      error.value = errorText(t.error, t.response);
      return;
    }
    error.value = null;
    timeline.value = t.data;
    totals.value = a.data?.agents[0] ?? null;
    const listed = await listApprovals(route.agentId, t.data.date);
    if (mine === loads) approvals.value = listed.ok ? listed.body.approvals : [];
  };

  useEffect(() => {
    timeline.value = null;
    totals.value = null;
    picked.value = null;
    approving.value = null;
    approvals.value = [];
    void load();
  }, [route.agentId, route.date]);

  // Live: a change for this agent on the socket refetches the day (only today's day can change).
  useSignalEffect(() => {
    const change = lastChange.value;
    if (!change || change.agentId !== route.agentId || route.date) return;
    const timer = setTimeout(() => void load(), REFRESH_AFTER_CHANGE_MS);
    return () => clearTimeout(timer);
  });

  // Totals and exceptions grow with time even without a change: today's day refetches now and then.
  useEffect(() => {
    if (route.date) return;
    const timer = setInterval(() => void load(), TODAY_REFRESH_MS);
    return () => clearInterval(timer);
  }, [route.agentId, route.date]);

  void rowsVersion.value; // re-render on the board's changes: this agent's live row is among them

  const t = timeline.value;
  const zone = route.zone === "viewer" ? viewerZone() : (t?.timeZone ?? "UTC");
  const row = rows.get(route.agentId) ?? null;
  const name = row ? agentName(row) : route.agentId;
  return (
    <main id="agent-day" tabIndex={-1}>
      <nav class="crumbs">
        <a href={boardHref()}>← Board</a>
      </nav>
      <header class="day-head">
        <h2>
          {name} <span class="sub">{row?.name ? route.agentId : ""}</span>
        </h2>
        {row && (
          <p class="now-status">
            <span class={`badge b-${level(row, now.value)}`}>{LEVEL_LABELS[level(row, now.value)]}</span>{" "}
            {stateLabel(row.state)} · {teamLabel(row.team)}
            {row.acknowledgedAt && <span class="ack"> ✓ acknowledged by {row.acknowledgedBy}</span>}{" "}
            <AlarmActions row={row} lvl={level(row, now.value)} />
          </p>
        )}
      </header>
      {t && (
        <nav class="day-nav" aria-label="Day">
          <a href={agentHref(route.agentId, { date: shiftDate(t.date, -1), zone: route.zone })} rel="prev">
            ← {shiftDate(t.date, -1)}
          </a>
          <strong id="day-date">{t.date}</strong>
          <a href={agentHref(route.agentId, { date: shiftDate(t.date, 1), zone: route.zone })} rel="next">
            {shiftDate(t.date, 1)} →
          </a>
          {route.date && <a href={agentHref(route.agentId, { zone: route.zone })}>Today</a>}
          <a
            class="zone"
            href={agentHref(route.agentId, { date: route.date, zone: route.zone === "viewer" ? "tenant" : "viewer" })}
          >
            Times in {route.zone === "viewer" ? `your zone (${zone})` : `the tenant's zone (${zone})`}: switch
          </a>
        </nav>
      )}
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {!t && !error.value && <p class="muted">Loading…</p>}
      {t && (
        <Drawing
          timeline={t}
          zone={zone}
          alarm={row && !route.date ? level(row, now.value) : null}
          exceptions={totals.value?.exceptions ?? []}
          picked={picked.value}
          onPick={(i) => (picked.value = i)}
          onApprove={canApprove.value ? (span) => (approving.value = span) : null}
        />
      )}
      {t && approving.value && (
        <ApproveForm
          key={`${approving.value.start}-${approving.value.end}`}
          agentId={route.agentId}
          zone={zone}
          span={approving.value}
          onCancel={() => (approving.value = null)}
          onDone={() => {
            approving.value = null;
            void load();
          }}
        />
      )}
      {t && picked.value !== null && t.states[picked.value] && (
        <StateCard timeline={t} index={picked.value} zone={zone} onClose={() => (picked.value = null)} />
      )}
      {totals.value && <Totals day={totals.value} zone={zone} />}
      {t && (
        <Approvals approvals={approvals.value} zone={zone} canRemove={canApprove.value} onChange={() => void load()} />
      )}
    </main>
  );
}

function dayWindow(t: Timeline): TimeWindow {
  return timelineWindow(
    t.date,
    t.timeZone,
    t.schedule.map((s) => ({ start: ms(s.start), end: ms(s.end) })),
  );
}

const pct = (n: number) => `${(n * 100).toFixed(3)}%`;
/** A block narrower than this share of the window shows no text (its tooltip and the state card still do). */
const LABEL_MIN_SHARE = 0.045;
const fits = (p: { width: number }) => p.width >= LABEL_MIN_SHARE;

/**
 * Touching spans of one value drawn as one block (the states lane already shows each change): the recorded
 * adherence, or a correction (null: none, not drawn).
 */
function mergedSpans<K extends "adherence" | "correction">(
  spans: readonly AdherenceSpan[],
  key: K,
): Array<{ start: number; end: number; value: AdherenceSpan[K] }> {
  const merged: Array<{ start: number; end: number; value: AdherenceSpan[K] }> = [];
  for (const span of spans) {
    const last = merged.at(-1);
    const start = ms(span.start);
    if (last && last.value === span[key] && last.end === start) last.end = ms(span.end);
    else merged.push({ start, end: ms(span.end), value: span[key] });
  }
  return merged.filter((m) => m.value !== null);
}

const CORRECTION_TEXT = { approved: "Approved", adjusted: "Neutral" } as const;
const boxStyle = (p: { left: number; width: number }) => ({ left: pct(p.left), width: pct(p.width) });

interface DrawingProps {
  timeline: Timeline;
  zone: string;
  /** The live row's level: an ongoing exception in alarm or severe is shaded as such. */
  alarm: Level | null;
  /** The day's exceptions: an ended one that lasted past the tenant's thresholds is shaded alarm or severe. */
  exceptions: DayTotals["exceptions"];
  picked: number | null;
  onPick: (i: number) => void;
  /** Opens the approve form for an out span; null: this key or person may not approve. */
  onApprove: ((span: { start: number; end: number }) => void) | null;
}

function Drawing(props: DrawingProps) {
  const { timeline: t, zone } = props;
  const window = dayWindow(t);
  const at = now.value;
  const until = Math.min(at, window.end);
  const states = stateSpans(
    t.states.map((s, index) => ({ ...s, index, at: ms(s.timestamp) })),
    until,
  );
  const narrow = typeof matchMedia === "function" && matchMedia("(max-width: 640px)").matches;
  const hours = (window.end - window.start) / 3_600_000;
  const every = hours > 14 ? (narrow ? 4 : 2) : narrow ? 2 : 1;
  const ticks = hourTicks(window, zone, every);
  return (
    <section
      id="timeline"
      class="timeline"
      aria-label={`Timeline ${clock(window.start, zone)} to ${clock(window.end, zone)}`}
    >
      <div class="axis" aria-hidden="true">
        {ticks.map((tick) => (
          <span class={`tick${tick.newDay ? " new-day" : ""}`} style={{ left: pct(tick.share) }}>
            {tick.newDay ? `${tick.label} ${tick.newDay.slice(5)}` : tick.label}
          </span>
        ))}
      </div>
      <div class="lanes">
        <Lane id="lane-schedule" label="Scheduled">
          {t.schedule.map((s: Segment) => {
            const p = place(ms(s.start), ms(s.end), window);
            const text = `${activityLabel(s.activity)} ${clock(ms(s.start), zone)}–${clock(ms(s.end), zone)}`;
            return (
              p && (
                <span class={`block a-${s.activity}`} style={boxStyle(p)} data-start={s.start} title={text}>
                  {fits(p) && <span class="label">{activityLabel(s.activity)}</span>}
                  <span class="visually-hidden">{text}</span>
                </span>
              )
            );
          })}
        </Lane>
        <Lane id="lane-states" label="Actual">
          {states.map((s) => {
            const p = place(s.at, s.end, window);
            if (!p) return null;
            const code = codeLabel(s);
            const tip = [
              `${stateLabel(s.state)} from ${clock(s.at, zone, true)}`,
              code && `code ${code}`,
              s.source && `source ${s.source}`,
            ].filter(Boolean);
            return (
              <button
                type="button"
                class={`block s-${s.state ?? "unmapped"}${props.picked === s.index ? " picked" : ""}`}
                style={boxStyle(p)}
                data-start={s.timestamp}
                title={tip.join(" · ")}
                aria-label={tip.join(", ")}
                onClick={() => props.onPick(s.index)}
              >
                {fits(p) && <span class="label">{s.state ? stateLabel(s.state) : code || "Unmapped"}</span>}
              </button>
            );
          })}
        </Lane>
        <Lane id="lane-adherence" label="Recorded">
          {mergedSpans(t.spans, "adherence").map(({ value: adherence, ...s }) => {
            const p = place(s.start, Math.min(s.end, until), window);
            if (!p) return null;
            const escalated = adherence === "out" ? outLevel(s, until, props, t.thresholds) : null;
            const text = `${escalated ?? adherence}: ${clock(s.start, zone)}–${clock(s.end, zone)}`;
            const label = fits(p) && (
              <span class="label">{escalated ? LEVEL_LABELS[escalated] : ADHERENCE_TEXT[adherence]}</span>
            );
            const className = `block h-${adherence}${escalated ? ` h-${escalated}` : ""}`;
            const approvable = adherence === "out" && props.onApprove;
            // An out block is a button for those who may approve: it opens the form with its start and end.
            return approvable ? (
              <button
                type="button"
                class={className}
                style={boxStyle(p)}
                data-start={iso(s.start)}
                title={`${text} · approve…`}
                aria-label={`${text}: approve as in adherence`}
                onClick={() => props.onApprove?.({ start: s.start, end: Math.min(s.end, until) })}
              >
                {label}
              </button>
            ) : (
              <span class={className} style={boxStyle(p)} data-start={iso(s.start)} title={text}>
                {label}
                <span class="visually-hidden">{text}</span>
              </span>
            );
          })}
        </Lane>
        {(["approved", "adjusted"] as const).map((kind) => (
          <Lane id={`lane-${kind}`} label={kind === "approved" ? "Approved" : "Adjusted"} key={kind}>
            {mergedSpans(t.spans, "correction")
              .filter((s) => s.value === kind)
              .map((s) => {
                const p = place(s.start, Math.min(s.end, until), window);
                const what = kind === "approved" ? "approved as in adherence" : "adjusted to neutral";
                const text = `${clock(s.start, zone)}–${clock(s.end, zone)} ${what}`;
                return (
                  p && (
                    <span class={`block c-${kind}`} style={boxStyle(p)} data-start={iso(s.start)} title={text}>
                      {fits(p) && <span class="label">{CORRECTION_TEXT[kind]}</span>}
                      <span class="visually-hidden">{text}</span>
                    </span>
                  )
                );
              })}
          </Lane>
        ))}
        {at >= window.start && at <= window.end && (
          <div
            class="now-line"
            style={{ left: `calc(var(--lane-label) + (100% - var(--lane-label)) * ${share(at, window)})` }}
          >
            <span class="visually-hidden">Now {clock(at, zone)}</span>
          </div>
        )}
      </div>
      <Legend />
    </section>
  );
}

/**
 * How an out span is shaded: the ongoing exception as the live row says (a snooze is honoured), an
 * ended one by how long it lasted against the tenant's thresholds.
 */
function outLevel(
  span: { start: number; end: number },
  until: number,
  props: DrawingProps,
  thresholds: Timeline["thresholds"],
): "alarm" | "severe" | null {
  if (span.end >= until - 2_000) return props.alarm === "alarm" || props.alarm === "severe" ? props.alarm : null;
  const exception = props.exceptions.find((e) => ms(e.start) <= span.start && span.start < ms(e.end));
  if (!exception) return null;
  if (exception.seconds >= thresholds.severeSeconds) return "severe";
  return exception.seconds >= thresholds.alarmSeconds ? "alarm" : null;
}

function Lane({ id, label, children }: { id: string; label: string; children: preact.ComponentChildren }) {
  return (
    <div class="lane" id={id}>
      <span class="lane-label">{label}</span>
      <div class="lane-track">{children}</div>
    </div>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="Adherence colours">
      <li>
        <span class="swatch h-in" /> In
      </li>
      <li>
        <span class="swatch h-out" /> Out (hatched)
      </li>
      <li>
        <span class="swatch h-out h-alarm" /> Alarm
      </li>
      <li>
        <span class="swatch h-out h-severe" /> Severe
      </li>
      <li>
        <span class="swatch h-neutral" /> Neutral
      </li>
      <li>
        <span class="swatch c-approved" /> Approved
      </li>
      <li>
        <span class="swatch c-adjusted" /> Adjusted to neutral
      </li>
    </ul>
  );
}

/** The card of one state change: time, what was scheduled, the state and its code, source, rule, duration. */
function StateCard({
  timeline: t,
  index,
  zone,
  onClose,
}: {
  timeline: Timeline;
  index: number;
  zone: string;
  onClose: () => void;
}) {
  const change = t.states[index] as StateChange;
  const start = ms(change.timestamp);
  const window = dayWindow(t);
  const next = t.states[index + 1];
  const end = next ? ms(next.timestamp) : Math.min(now.value, window.end);
  const segment = t.schedule.find((s) => ms(s.start) <= start && start < ms(s.end));
  const span = t.spans.find((s) => ms(s.start) <= start && start < ms(s.end));
  const rule = span
    ? `${activityLabel(span.activity)} × ${span.state ? stateLabel(span.state) : "unmapped"} → ${span.adherence}`
    : NONE;
  const rows: Array<[string, string]> = [
    ["Time", clock(start, zone, true)],
    ["Scheduled", segment ? activityLabel(segment.activity) : "Nothing scheduled"],
    ["State", change.state ? stateLabel(change.state) : "Unmapped"],
    ["Code", codeLabel(change) || NONE],
    ["Source", change.source ?? NONE],
    ["Queue", change.queue ?? NONE],
    ["Rule", rule],
    ["Duration", next ? duration(end - start) : `${duration(end - start)} so far`],
  ];
  return (
    <section id="state-card" class="card" aria-label="State change">
      <dl>
        {rows.map(([k, v]) => (
          <div>
            <dt>{k}</dt>
            <dd data-field={k.toLowerCase()}>{v}</dd>
          </div>
        ))}
      </dl>
      <button type="button" onClick={onClose}>
        Close
      </button>
    </section>
  );
}

function Totals({ day, zone }: { day: DayTotals; zone: string }) {
  return (
    <section class="totals" aria-label="The day's totals">
      <table id="day-totals" class="plain">
        <caption>The day</caption>
        <tbody>
          <tr>
            <th scope="row">Scheduled</th>
            <td>{seconds(day.scheduledSeconds)}</td>
          </tr>
          <tr>
            <th scope="row">In adherence</th>
            <td>{seconds(day.inAdherenceSeconds)}</td>
          </tr>
          <tr>
            <th scope="row">Out of adherence</th>
            <td>{seconds(day.outOfAdherenceSeconds)}</td>
          </tr>
          <tr>
            <th scope="row">Neutral</th>
            <td>{seconds(day.neutralSeconds)}</td>
          </tr>
          {(day.approvedSeconds > 0 || day.adjustedNeutralSeconds > 0) && (
            <>
              <tr>
                <th scope="row">Out as recorded</th>
                <td data-total="recorded-out">{seconds(day.recordedOutSeconds)}</td>
              </tr>
              <tr>
                <th scope="row">Approved</th>
                <td data-total="approved">{seconds(day.approvedSeconds)}</td>
              </tr>
              <tr>
                <th scope="row">Adjusted to neutral</th>
                <td data-total="adjusted">{seconds(day.adjustedNeutralSeconds)}</td>
              </tr>
            </>
          )}
          <tr>
            <th scope="row">Adherence</th>
            <td data-total="adherence">{percent(day.adherencePct)}</td>
          </tr>
          <tr>
            <th scope="row">Conformance</th>
            <td data-total="conformance">{percent(day.conformancePct)}</td>
          </tr>
        </tbody>
      </table>
      <table id="exceptions" class="plain">
        <caption>Exceptions</caption>
        <thead>
          <tr>
            <th scope="col">Start</th>
            <th scope="col">End</th>
            <th scope="col">Seconds</th>
            <th scope="col">Scheduled × state</th>
          </tr>
        </thead>
        <tbody>
          {day.exceptions.length === 0 && (
            <tr>
              <td colSpan={4} class="muted">
                None
              </td>
            </tr>
          )}
          {day.exceptions.map((e) => (
            <tr>
              <td>{clock(ms(e.start), zone)}</td>
              <td>{e.ongoing ? "ongoing" : clock(ms(e.end), zone)}</td>
              <td class="num">{e.seconds}</td>
              <td>
                {activityLabel(e.activity)} × {e.state ? stateLabel(e.state) : "no mapped state"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
