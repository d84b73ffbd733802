/** The console's calls: the documented API through the generated client (../api.ts), answers as `Outcome`s. */
import type { paths } from "../../client/api.d.ts";
import { type Outcome, api, outcome } from "../api.ts";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type StateCodes = Json<paths["/api/v1/state-codes"]["get"]["responses"][200]>;
export type StateCode = StateCodes["codes"][number];
export type Mapping = StateCodes["mappings"][number];
export type MappingChange = { source: string; code: string; reason?: string; state: Mapping["state"] | null };
type Mapped = Json<paths["/api/v1/state-codes"]["put"]["responses"][200]>;

export const listStateCodes = () => outcome(api.GET("/api/v1/state-codes"));

/**
 * A batch of mapping changes. A batch refuses by index (400 when it refused every one): the first refusal's words
 * and the field it names, so the page shows them where they belong.
 */
export async function changeMappings(changes: MappingChange[]): Promise<Outcome<Mapped>> {
  try {
    const { data, error, response } = await api.PUT("/api/v1/state-codes", { body: { data: changes } });
    if (data) return { ok: true, body: data };
    const first = (error as { errors?: Array<{ error: string; field?: string }> } | undefined)?.errors?.[0];
    if (first) return { ok: false, error: first.error, ...(first.field ? { field: first.field } : {}) };
    const message = (error as { error?: unknown } | undefined)?.error;
    return { ok: false, error: typeof message === "string" ? message : `HTTP ${response.status}` };
  } catch {
    return { ok: false, error: "Server unreachable" };
  }
}

type Keys = Json<paths["/api/v1/keys"]["get"]["responses"][200]>;
export type KeyView = Keys["keys"][number];
export type NewKey = NonNullable<paths["/api/v1/keys"]["post"]["requestBody"]>["content"]["application/json"];

export const listKeys = () => outcome(api.GET("/api/v1/keys"));
export const createKey = (body: NewKey) => outcome(api.POST("/api/v1/keys", { body }));
export const rotateKey = (id: string, graceSeconds: number) =>
  outcome(api.POST("/api/v1/keys/{id}/rotate", { params: { path: { id } }, body: { graceSeconds } }));
export const revokeKey = (id: string) => outcome(api.DELETE("/api/v1/keys/{id}", { params: { path: { id } } }));

export type Settings = Json<paths["/api/v1/settings"]["get"]["responses"][200]>;
export type SettingsChange = NonNullable<
  paths["/api/v1/settings"]["put"]["requestBody"]
>["content"]["application/json"];
export type SettingsVersion = Json<paths["/api/v1/settings/history"]["get"]["responses"][200]>["versions"][number];

export const readSettings = () => outcome(api.GET("/api/v1/settings"));
export const changeSettings = (body: SettingsChange) => outcome(api.PUT("/api/v1/settings", { body }));
export const settingsHistory = () =>
  outcome(api.GET("/api/v1/settings/history", { params: { query: { limit: "10" } } }));

type People = Json<paths["/api/v1/people"]["get"]["responses"][200]>;
export type PersonView = People["people"][number];
export type PersonChange = NonNullable<
  paths["/api/v1/people/{email}"]["put"]["requestBody"]
>["content"]["application/json"];
const person = (email: string) => ({ params: { path: { email } } });

export const listPeople = () => outcome(api.GET("/api/v1/people"));
export const putPerson = (email: string, body: PersonChange) =>
  outcome(api.PUT("/api/v1/people/{email}", { ...person(email), body }));
export const removePerson = (email: string) => outcome(api.DELETE("/api/v1/people/{email}", person(email)));
export const endSessions = (email: string) => outcome(api.DELETE("/api/v1/people/{email}/sessions", person(email)));

type Audit = paths["/api/v1/audit"]["get"];
export type AuditEntry = Json<Audit["responses"][200]>["events"][number];
export type AuditQuery = NonNullable<Audit["parameters"]["query"]>;
export const listAudit = (query: AuditQuery) => outcome(api.GET("/api/v1/audit", { params: { query } }));

export type SourceView = Json<paths["/api/v1/sources"]["get"]["responses"][200]>["sources"][number];
type SourcePatch = NonNullable<
  paths["/api/v1/sources/{source}/settings"]["put"]["requestBody"]
>["content"]["application/json"];
export const listSources = () => outcome(api.GET("/api/v1/sources"));
export const changeSourceSettings = (source: string, body: SourcePatch) =>
  outcome(api.PUT("/api/v1/sources/{source}/settings", { params: { path: { source } }, body }));

export type ConnectorView = Json<paths["/api/v1/connectors"]["get"]["responses"][200]>["connectors"][number];
const connector = (id: string) => ({ params: { path: { id } } });
export const listConnectors = () => outcome(api.GET("/api/v1/connectors"));
export const stopConnector = (id: string) => outcome(api.POST("/api/v1/connectors/{id}/stop", connector(id)));
export const resumeConnector = (id: string) => outcome(api.POST("/api/v1/connectors/{id}/resume", connector(id)));
export const deleteConnector = (id: string) => outcome(api.DELETE("/api/v1/connectors/{id}", connector(id)));
export type NewConnector = NonNullable<
  paths["/api/v1/connectors"]["post"]["requestBody"]
>["content"]["application/json"];
export const addConnector = (body: NewConnector) => outcome(api.POST("/api/v1/connectors", { body }));
