import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unknownAgentKey, unknownAgentProfile } from "../../src/domain/agent.ts";
import {
  describeIdentifier,
  employeeIdentifiers,
  isIdentifierKind,
  isWellFormed,
  normalizeIdentifier,
  sourceKind,
} from "../../src/domain/identifiers.ts";
import { employeeRecord, validateRecords } from "../../src/domain/imports.ts";

const NFD_ANGSTROM = "A\u030angstr\u00f6m"; // Å as A + combining ring
const NFC_ANGSTROM = "\u00c5ngstr\u00f6m";

describe("normalizeIdentifier", () => {
  it("lower-cases all of Unicode, not only ASCII (SQLite's lower() leaves Ä alone)", () => {
    expect(normalizeIdentifier("ÄB-1")).toBe("äb-1");
    expect(normalizeIdentifier("äb-1")).toBe("äb-1");
    expect(normalizeIdentifier("ÐÓRA.Þ@Example.IS")).toBe("ðóra.þ@example.is");
    expect(normalizeIdentifier("ΣΊΣΥΦΟΣ")).toBe(normalizeIdentifier("σίσυφοσ".toUpperCase()));
  });

  it("gives NFC and NFD spellings of one name the same form, composed", () => {
    expect(NFD_ANGSTROM).not.toBe(NFC_ANGSTROM);
    expect(normalizeIdentifier(NFD_ANGSTROM)).toBe("\u00e5ngstr\u00f6m");
    expect(normalizeIdentifier(NFC_ANGSTROM)).toBe("\u00e5ngstr\u00f6m");
    expect(normalizeIdentifier("A\u0308B-1")).toBe(normalizeIdentifier("ÄB-1"));
  });

  it("trims (Unicode spaces too) and takes numbers", () => {
    expect(normalizeIdentifier("  E1\u00a0\t")).toBe("e1");
    expect(normalizeIdentifier(4678)).toBe("4678");
  });

  it("is idempotent, also where lower-casing leaves a pair that composes (T + diaeresis → ẗ)", () => {
    expect(normalizeIdentifier("T\u0308")).toBe("\u1e97");
    expect(normalizeIdentifier(normalizeIdentifier("T\u0308"))).toBe("\u1e97");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 12 }), (s) => {
        const once = normalizeIdentifier(s);
        expect(normalizeIdentifier(once)).toBe(once);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("isWellFormed", () => {
  it("refuses lone surrogates and accepts pairs", () => {
    expect(isWellFormed("agent-\ud83d\ude00")).toBe(true);
    expect(isWellFormed("")).toBe(true);
    expect(isWellFormed("agent-\ud83d")).toBe(false);
    expect(isWellFormed("\ude00agent")).toBe(false);
    expect(isWellFormed("a\ude00\ud83db")).toBe(false);
  });

  it("agrees with String.prototype.isWellFormed", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 8 }),
        fc.array(fc.integer({ min: 0xd800, max: 0xdfff }), { maxLength: 2 }),
        (s, units) => {
          const text = s + String.fromCharCode(...units);
          expect(isWellFormed(text)).toBe((text as unknown as { isWellFormed(): boolean }).isWellFormed());
        },
      ),
    );
  });
});

describe("kinds", () => {
  it("knows the named kinds and per-source ids", () => {
    for (const kind of [
      "email",
      "employeeId",
      "phone",
      "username",
      "systemUsername",
      "crmUsername",
      "source:injixo:1234",
    ]) {
      expect(isIdentifierKind(kind), kind).toBe(true);
    }
    for (const kind of ["fax", "Email", "source:", "source: x", "", "injixo:1234"])
      expect(isIdentifierKind(kind), kind).toBe(false);
    expect(sourceKind(" injixo:1234 ")).toBe("source:injixo:1234");
  });

  it("names an identifier for messages", () => {
    expect(describeIdentifier("phone", "4678")).toBe("phone 4678");
    expect(describeIdentifier("source:injixo:1234", "77")).toBe("injixo:1234 id 77");
  });
});

describe("unknown agents", () => {
  it("get one key for every spelling of an identifier: it names their Durable Object", () => {
    const spellings = ["ÄB-1", "äb-1", " A\u0308b-1 ", "a\u0308B-1"];
    expect(new Set(spellings.map(unknownAgentKey))).toEqual(new Set(["unknown:äb-1"]));
    expect(new Set(spellings.map((s) => unknownAgentProfile(s).agentKey))).toEqual(new Set(["unknown:äb-1"]));
    expect(unknownAgentProfile("ÄB-1")).toMatchObject({ agentId: "äb-1", email: null });
  });
});

describe("employee records with identifiers", () => {
  const base = { email: "ann@example.com", firstName: "Ann", lastName: "Lee" };

  it("takes kinds and sources, values as strings or numbers", () => {
    const { valid, errors } = validateRecords(employeeRecord, [
      {
        ...base,
        employeeId: "ÄB-1",
        identifiers: [
          { kind: "phone", value: 4678 },
          { source: "injixo:1234", value: " X-9 " },
          { kind: "crmUsername", value: "ann.l" },
        ],
      },
      base,
    ]);
    expect(errors).toEqual([]);
    expect(valid[0]!.value.identifiers).toEqual([
      { kind: "phone", value: "4678" },
      { kind: "source:injixo:1234", value: "X-9" },
      { kind: "crmUsername", value: "ann.l" },
    ]);
    expect(valid[1]!.value.identifiers).toBeUndefined();
    expect(employeeIdentifiers(valid[0]!.value)).toEqual([
      { kind: "email", value: "ann@example.com", sent: "ann@example.com", field: "email" },
      { kind: "employeeId", value: "äb-1", sent: "ÄB-1", field: "employeeId" },
      { kind: "phone", value: "4678", sent: "4678", field: "identifiers.0.value" },
      { kind: "source:injixo:1234", value: "x-9", sent: "X-9", field: "identifiers.1.value" },
      { kind: "crmUsername", value: "ann.l", sent: "ann.l", field: "identifiers.2.value" },
    ]);
  });

  it("lists an identifier a record names twice once", () => {
    const [record] = validateRecords(employeeRecord, [
      {
        ...base,
        identifiers: [
          { kind: "phone", value: "12" },
          { kind: "phone", value: 12 },
        ],
      },
    ]).valid;
    expect(employeeIdentifiers(record!.value).map((i) => i.kind)).toEqual(["email", "phone"]);
  });

  it("refuses bad entries per record, naming the field", () => {
    const data = [
      {
        ...base,
        identifiers: [
          { kind: "phone", value: "1" },
          { kind: "fax", value: "2" },
        ],
      },
      { ...base, identifiers: [{ value: "2" }] },
      { ...base, identifiers: [{ kind: "phone", source: "injixo:1", value: "2" }] },
      { ...base, identifiers: [{ kind: "phone" }] },
      { ...base, identifiers: [{ kind: "phone", value: "  " }] },
      { ...base, identifiers: [{ kind: "username", value: "ann\ud800" }] },
      { ...base, identifiers: [{ source: "", value: "1" }] },
      { ...base, identifiers: "phone:1" },
      { ...base, identifiers: ["1"] },
      { ...base, identifiers: [{ kind: "email", value: "x@example.com" }] },
      { ...base, employeeId: "E\udc00" },
      { ...base, identifiers: Array.from({ length: 21 }, (_, i) => ({ kind: "phone", value: i })) },
      { ...base, identifiers: [{ kind: "phone", value: true }] },
    ];
    const { valid, errors } = validateRecords(employeeRecord, data);
    expect(valid).toEqual([]);
    expect(errors.map(({ index, field, error }) => ({ index, field, error }))).toEqual([
      {
        index: 0,
        field: "identifiers.1.kind",
        error:
          "Unknown identifier kind: fax (expected phone, username, " +
          "systemUsername, crmUsername; or a source instead of a kind)",
      },
      {
        index: 1,
        field: "identifiers.0.kind",
        error: "An identifier needs a kind (phone, username, systemUsername, crmUsername) or a source",
      },
      { index: 2, field: "identifiers.0.kind", error: "An identifier has either a kind or a source, not both" },
      { index: 3, field: "identifiers.0.value", error: "identifier value is missing" },
      { index: 4, field: "identifiers.0.value", error: "identifier value must not be empty" },
      {
        index: 5,
        field: "identifiers.0.value",
        error: "identifier value is not well-formed Unicode (it contains a lone surrogate)",
      },
      { index: 6, field: "identifiers.0.source", error: "identifier source must not be empty" },
      { index: 7, field: "identifiers", error: "identifiers must be an array of { kind, value } or { source, value }" },
      {
        index: 8,
        field: "identifiers.0",
        error: "Each identifier must be an object: { kind, value } or { source, value }",
      },
      { index: 9, field: "identifiers.0.kind", error: "email is a field of its own, not an entry of identifiers" },
      { index: 10, field: "employeeId", error: "employeeId is not well-formed Unicode (it contains a lone surrogate)" },
      { index: 11, field: "identifiers", error: "identifiers may list at most 20 entries" },
      { index: 12, field: "identifiers.0.value", error: "identifier value must be a string" },
    ]);
  });
});
