/**
 * How the README's replay test (test/e2e/readme.test.ts) reads examples and compares answers: what
 * `…`, ids and times stand for, and that anything else printed must be what the server answers.
 */
import { describe, expect, it } from "vitest";
import { differences, examples, parsePrinted, pathOf } from "../e2e/readme-examples.ts";

const match = (printed: string, actual: unknown) => differences(parsePrinted(printed), actual);

describe("a printed answer", () => {
  it("matches the same JSON, and nothing that differs in a value, a key or a length", () => {
    expect(match('{"a":1,"b":[true,null,"x"]}', { a: 1, b: [true, null, "x"] })).toEqual([]);
    expect(match('{"a":1}', { a: 2 })).toEqual(["$.a: printed 1, got 2"]);
    expect(match('{"a":1}', { a: 1, b: 2 })).toEqual(["$: not printed (add them, or …): b"]);
    expect(match('{"a":1,"b":2}', { a: 1 })).toEqual(["$.b: printed, missing"]);
    expect(match("[1,2]", [1, 2, 3])).toEqual(["$: printed 2 elements, got 3: [1,2,3]"]);
    expect(match('{"s":"on_call"}', { s: "available" })).toEqual(['$.s: printed "on_call", got "available"']);
  });

  it("takes … for any value, more keys, more elements (last), or any text in a string", () => {
    expect(match('{"a":…,"b":"key_…",…}', { a: [1], b: "key_1f", c: 3 })).toEqual([]);
    expect(match('[{"x":1},…]', [{ x: 1 }, { y: 2 }])).toEqual([]);
    expect(match("[…]", [])).toEqual([]);
    expect(match('{"m":"No open call…: nothing changed"}', { m: "No open call (lost): nothing changed" })).toEqual([]);
    expect(match('{"m":"No open call…: nothing changed"}', { m: "Call stopped" })).toHaveLength(1);
  });

  it("takes ids and times for any id or time of their kind, and a clock-based seq for any such seq", () => {
    const printed =
      '{"id":"key_e73defe97f458470","at":"2026-11-23T16:02:20.332Z","t":"11/23/2026 15:53:12","seq":1796649377671000}';
    const actual = { id: "key_01ab", at: "2026-12-07T09:00:00.000Z", t: "12/7/2026 9:00:01", seq: 1796659000000042 };
    expect(match(printed, actual)).toEqual([]);
    expect(match(printed, { id: "usr_1", at: "yesterday", t: "later", seq: 42 })).toHaveLength(4);
  });

  it("names where a placeholder (rta_…) is, to read the actual value there", () => {
    expect(pathOf(parsePrinted('{"keys":[{"id":"key_…"},{"key":"rta_…"}]}'), "rta_…")).toEqual(["keys", 1, "key"]);
    expect(pathOf(parsePrinted('{"key":"rta_…"}'), "eyJ…")).toBeNull();
  });
});

describe("the examples of a Markdown text", () => {
  it("are the commands of its sh blocks, each with the answer printed under it over as many lines as it takes", () => {
    const markdown = [
      "```sh",
      "# a comment that isn't a command",
      'curl -s "$BASE/x" -H "A: b" -d \'{"a":',
      "  1}'   # the body's end",
      '# → 201 {"a":1,',
      '#        "b":[2]}',
      "# Prose after the answer.",
      "export KEY=rta_…",
      "```",
    ].join("\n");
    expect(examples(markdown, "R.md")).toEqual([
      {
        at: "R.md:3",
        command: 'curl -s "$BASE/x" -H "A: b" -d \'{"a":\n  1}\'   # the body\'s end',
        answer: { status: 201, text: '{"a":1,\n        "b":[2]}' },
      },
      { at: "R.md:8", command: "export KEY=rta_…", answer: null },
    ]);
  });
});
