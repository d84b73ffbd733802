/** What a recorded call's end puts the agent in (src/domain/calls.ts), by event time. */
import { describe, expect, it } from "vitest";
import { type SourcedEvent, callEndChange } from "../../src/domain/calls.ts";

const SOURCE = "incontact";
const call = { start: 10_000, end: 20_000 };
const onCall: SourcedEvent = { ts: call.start, source: SOURCE, state: "on_call", acdStateCode: "call" };
const event = (
  ts: number,
  source: string,
  state: SourcedEvent["state"],
  acdStateCode: string | null = null,
  reasonCode: string | null = null,
): SourcedEvent => ({
  ts,
  source,
  state,
  acdStateCode,
  reasonCode,
});

describe("callEndChange", () => {
  it("puts the agent back in the state in effect before the call, whichever source set it", () => {
    const events = [event(1_000, "native", "break"), event(5_000, "native", "available"), onCall];
    expect(callEndChange(events, call, SOURCE, "previous", "call-end")).toEqual({
      source: SOURCE,
      state: "available",
      code: "call-end",
      reason: null,
    });
  });

  it("lets a newer state from another source stand (nothing to emit)", () => {
    const events = [event(5_000, "native", "available"), onCall, event(15_000, "native", "lunch")];
    expect(callEndChange(events, call, SOURCE, "previous", "call-end")).toBeNull();
    expect(callEndChange(events, call, SOURCE, "after_call_work", "call-end")).toBeNull();
    // At the stop's own instant it still arrived during the call.
    expect(
      callEndChange([onCall, event(call.end, "native", "lunch")], call, SOURCE, "previous", "call-end"),
    ).toBeNull();
  });

  it("does not count a state after the call, or the recorder's own events, as newer", () => {
    const events = [event(5_000, "native", "meeting"), onCall, event(25_000, "native", "lunch")];
    expect(callEndChange(events, call, SOURCE, "previous", "call-end")?.state).toBe("meeting");
  });

  it("uses the source's fixed after-call state when set", () => {
    const events = [event(5_000, "native", "break"), onCall];
    expect(callEndChange(events, call, SOURCE, "after_call_work", "call-end")).toEqual({
      source: SOURCE,
      state: "after_call_work",
      code: "call-end",
      reason: null,
    });
    expect(callEndChange(events, call, SOURCE, "available", "call-lost")).toEqual({
      source: SOURCE,
      state: "available",
      code: "call-lost",
      reason: null,
    });
  });

  it("takes an agent with no earlier state for available", () => {
    expect(callEndChange([onCall], call, SOURCE, "previous", "call-end")?.state).toBe("available");
  });

  it("counts another source's state at the call's start instant as before the call", () => {
    expect(
      callEndChange([event(call.start, "native", "training"), onCall], call, SOURCE, "previous", "call-end")?.state,
    ).toBe("training");
  });

  it("resumes an unmapped vendor code as that code of its own source", () => {
    const events = [event(5_000, "communitywfm:1", null, "NotReady", "7"), onCall];
    expect(callEndChange(events, call, SOURCE, "previous", "call-end")).toEqual({
      source: "communitywfm:1",
      state: null,
      code: "NotReady",
      reason: "7",
    });
  });
});
