import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createKey, employee, newTenant, postData } from "./helpers.ts";

const PATH = "/api/v1/import/employees";

async function rows(tenant: string) {
  const { results } = await env.DB.prepare(
    `SELECT e.email, e.employee_id, e.first_name, e.last_name, e.role, e.active, t.name AS team,
            (SELECT group_concat(s.name, ',') FROM employee_skills es
              JOIN skills s ON s.id = es.skill_id WHERE es.employee_id = e.id) AS skills
     FROM employees e LEFT JOIN teams t ON t.id = e.team_id WHERE e.tenant = ? ORDER BY e.email`,
  )
    .bind(tenant)
    .all<Record<string, unknown>>();
  return results;
}

describe("POST /api/v1/import/employees", () => {
  it("creates employees with teams and skills, defaulting role and active", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:employees"]);
    const { status, body } = await postData(key, PATH, [
      employee(1, { skills: ["sales"], role: "supervisor" }),
      employee(2, { team: "Night", skills: ["sales", "support"], active: false }),
      { email: "no.id@example.com", firstName: "No", lastName: "Id" },
    ]);
    expect(status).toBe(201);
    expect(body).toEqual({ success: true, created: 3, updated: 0, skipped: 0, errors: [] });
    expect(await rows(tenant)).toEqual([
      {
        email: "agent1@example.com",
        employee_id: "E1",
        first_name: "Agent",
        last_name: "Number1",
        role: "supervisor",
        active: 1,
        team: "Day",
        skills: "sales",
      },
      {
        email: "agent2@example.com",
        employee_id: "E2",
        first_name: "Agent",
        last_name: "Number2",
        role: "agent",
        active: 0,
        team: "Night",
        skills: expect.stringMatching(/^(sales,support|support,sales)$/),
      },
      {
        email: "no.id@example.com",
        employee_id: null,
        first_name: "No",
        last_name: "Id",
        role: "agent",
        active: 1,
        team: null,
        skills: null,
      },
    ]);
  });

  it("treats emails case-insensitively and skips existing ones unless updateExisting", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:employees"]);
    await postData(key, PATH, [employee(1)]);
    const again = await postData(key, PATH, [employee(1, { email: "AGENT1@Example.com", firstName: "Changed" })]);
    expect(again.body).toEqual({ success: true, created: 0, updated: 0, skipped: 1, errors: [] });
    expect((await rows(tenant))[0]).toMatchObject({ first_name: "Agent" });

    const update = await postData(
      key,
      PATH,
      [employee(1, { email: "Agent1@EXAMPLE.com", firstName: "Changed", team: "Night", skills: ["chat"] })],
      { updateExisting: true },
    );
    expect(update.body).toEqual({ success: true, created: 0, updated: 1, skipped: 0, errors: [] });
    expect(await rows(tenant)).toEqual([
      expect.objectContaining({ email: "agent1@example.com", first_name: "Changed", team: "Night", skills: "chat" }),
    ]);
  });

  it("reports invalid records by index and keeps the valid ones", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:employees"]);
    await postData(key, PATH, [employee(9)]);
    const data = [
      employee(1),
      employee(2, { email: "not-an-email" }),
      employee(3, { role: "ceo" }),
      { email: "x@example.com", lastName: "NoFirst" },
      employee(4, { email: "AGENT1@example.com" }),
      employee(5, { employeeId: "E9" }),
      employee(6, { active: "yes" }),
      employee(7),
    ];
    const { status, body } = await postData(key, PATH, data);
    expect(status).toBe(201);
    expect(body.created).toBe(2);
    expect(body.errors).toEqual([
      { index: 1, field: "email", error: "Invalid email format", data: data[1] },
      { index: 2, field: "role", error: "Unknown role: ceo (expected admin, supervisor or agent)", data: data[2] },
      { index: 3, field: "firstName", error: "Missing field: firstName", data: data[3] },
      { index: 4, field: "email", error: "Duplicate email in this batch (first at index 0)", data: data[4] },
      { index: 5, field: "employeeId", error: "employeeId E9 already belongs to agent9@example.com", data: data[5] },
      { index: 6, field: "active", error: "active must be true or false", data: data[6] },
    ]);
    expect((await rows(tenant)).map((r) => r.email)).toEqual([
      "agent1@example.com",
      "agent7@example.com",
      "agent9@example.com",
    ]);
  });

  it("accepts 10,000 employees in one request", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:employees"]);
    const data = Array.from({ length: 10_000 }, (_, i) =>
      employee(i, { team: `Team ${i % 10}`, skills: [`skill${i % 3}`] }),
    );
    const { status, body } = await postData(key, PATH, data);
    expect(status).toBe(201);
    expect(body).toMatchObject({ created: 10_000, errors: [] });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM employees WHERE tenant = ?").bind(tenant).first("n")).toBe(
      10_000,
    );
    expect(await env.DB.prepare("SELECT count(*) AS n FROM teams WHERE tenant = ?").bind(tenant).first("n")).toBe(10);
  });

  it("checks 10,000 employees' identifiers against a full directory in one request", async () => {
    const tenant = newTenant();
    const { key } = await createKey(tenant, ["import:employees"]);
    const data = Array.from({ length: 10_000 }, (_, i) =>
      employee(i, { identifiers: [{ kind: "phone", value: 10_000 + i }] }),
    );
    expect((await postData(key, PATH, data)).body).toMatchObject({ created: 10_000, errors: [] });
    const identifiers = () =>
      env.DB.prepare("SELECT count(*) AS n FROM agent_identifiers WHERE tenant = ?").bind(tenant).first("n");
    expect(await identifiers()).toBe(30_000);

    // Every phone moves one employee on: each is held by another stored employee, who is refused too.
    const shifted = data.map((record, i) => ({
      ...record,
      identifiers: [{ kind: "phone", value: 10_000 + ((i + 1) % 10_000) }],
    }));
    const { body } = await postData(key, PATH, shifted, { updateExisting: true });
    expect(body.updated).toBe(0);
    expect(body.errors).toHaveLength(10_000);
    expect(body.errors[0]).toMatchObject({
      index: 0,
      field: "identifiers.0.value",
      error: "phone 10001 already belongs to agent1@example.com",
    });
    expect(await identifiers()).toBe(30_000);

    // Unchanged identifiers are not rewritten (a few employees: each update also refreshes its agent's object).
    const same = await postData(key, PATH, data.slice(0, 50), { updateExisting: true });
    expect(same.body).toMatchObject({ updated: 50, errors: [] });
    expect(await identifiers()).toBe(30_000);
  });
});
