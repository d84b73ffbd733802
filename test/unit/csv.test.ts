import { describe, expect, it } from "vitest";
import { csvCell, csvStream, csvText } from "../../src/http/csv.ts";

describe("CSV people can open", () => {
  it("quotes per RFC 4180 only what must be quoted", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('with "quotes", and commas')).toBe('"with ""quotes"", and commas"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
  });

  it("neutralises cells that a spreadsheet would run as a formula (OWASP)", () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell("+1+cmd|' /C calc'!A0")).toBe("'+1+cmd|' /C calc'!A0");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("\rx")).toBe(`"'\rx"`);
  });

  it("leaves numbers numbers, negative ones too", () => {
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell("-5")).toBe("-5");
    expect(csvCell("-2.5")).toBe("-2.5");
    expect(csvCell(86.67)).toBe("86.67");
    expect(csvCell(0)).toBe("0");
  });

  it("starts with a UTF-8 byte order mark, streamed or not", async () => {
    const rows = [
      { a: "Zoë", b: 1 },
      { a: "=1+1", b: 2 },
    ];
    const text = csvText(["a", "b"], rows);
    expect(text).toBe("\uFEFFa,b\r\nZoë,1\r\n'=1+1,2\r\n");
    async function* pages() {
      yield rows.slice(0, 1);
      yield rows.slice(1);
    }
    const bytes = new Uint8Array(await new Response(csvStream(["a", "b"], pages())).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes)).toBe(text);
  });
});
