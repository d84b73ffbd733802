// @ts-check
// The API reference page (GET /api/docs): renders /api/openapi.json from our own origin, no other host.
// Plain ES module, no dependencies; text goes in through textContent only.
// Type-checked through its JSDoc: npx tsc -p test/tsconfig.app.json

/** @typedef {{ [key: string]: any }} Json */

export {};

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {Array<Node | string>} [children]
 * @returns {HTMLElement}
 */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** @param {Json | undefined} schema */
function schemaText(schema) {
  return JSON.stringify(schema ?? {}, null, 2);
}

/**
 * @param {string} title
 * @param {Json | undefined} schema
 */
function schemaBlock(title, schema) {
  return el("details", {}, [el("summary", {}, [title]), el("pre", {}, [schemaText(schema)])]);
}

/**
 * @param {string} method
 * @param {string} path
 * @param {Json} op
 */
function operation(method, path, op) {
  const id = String(op.operationId ?? `${method}-${path}`);
  const section = el("section", { class: "op", id, "data-method": method.toUpperCase(), "data-path": path }, [
    el("h3", {}, [el("span", { class: `method ${method}` }, [method.toUpperCase()]), " ", el("code", {}, [path])]),
    el("p", { class: "summary" }, [String(op.summary ?? "")]),
  ]);
  if (op.description) for (const para of String(op.description).split("\n\n")) section.append(el("p", {}, [para]));
  /** @type {Json[]} */
  const security = op.security ?? [];
  section.append(
    el("p", { class: "security" }, [
      security.length ? `Credentials: ${security.map((s) => Object.keys(s).join("+")).join(" or ")}` : "No credential",
    ]),
  );
  /** @type {Json[]} */
  const params = op.parameters ?? [];
  if (params.length) {
    const rows = params.map((p) =>
      el("tr", {}, [
        el("td", {}, [el("code", {}, [String(p.name)])]),
        el("td", {}, [String(p.in)]),
        el("td", {}, [p.required ? "required" : "optional"]),
        el("td", {}, [String(p.description ?? p.schema?.type ?? "")]),
      ]),
    );
    section.append(
      el("table", {}, [
        el("thead", {}, [
          el(
            "tr",
            {},
            ["Parameter", "In", "", "Description"].map((h) => el("th", {}, [h])),
          ),
        ]),
        el("tbody", {}, rows),
      ]),
    );
  }
  const body = op.requestBody?.content?.["application/json"]?.schema;
  if (body) section.append(schemaBlock("Request body (application/json)", body));
  for (const [status, response] of Object.entries(/** @type {Json} */ (op.responses ?? {}))) {
    const content = response.content ? Object.entries(/** @type {Json} */ (response.content))[0] : undefined;
    const title = `${status} ${response.description ?? ""}${content ? ` (${content[0]})` : ""}`;
    section.append(content ? schemaBlock(title, content[1].schema) : el("p", { class: "response" }, [title]));
  }
  return section;
}

/** @param {Json} doc */
function render(doc) {
  const main = /** @type {HTMLElement} */ (document.getElementById("docs"));
  main.replaceChildren();
  document.title = `${doc.info?.title ?? "API"}: reference`;
  main.append(el("h1", {}, [String(doc.info?.title ?? "API reference")]));
  for (const para of String(doc.info?.description ?? "").split("\n\n")) main.append(el("p", {}, [para]));
  main.append(el("p", {}, [el("a", { href: "/api/openapi.json" }, ["The OpenAPI 3.1 document (JSON)"])]));
  /** @type {Map<string, HTMLElement[]>} */
  const byTag = new Map();
  for (const [path, item] of Object.entries(/** @type {Json} */ (doc.paths ?? {}))) {
    for (const [method, op] of Object.entries(/** @type {Json} */ (item))) {
      const tag = String(op.tags?.[0] ?? "Other");
      byTag.set(tag, [...(byTag.get(tag) ?? []), operation(method, path, op)]);
    }
  }
  const nav = el("nav", { "aria-label": "Sections" }, []);
  const list = el("ul", {}, []);
  nav.append(list);
  main.append(nav);
  /** @type {Json[]} */
  const tags = doc.tags ?? [];
  const order = [
    ...tags.map((t) => String(t.name)),
    ...[...byTag.keys()].filter((t) => !tags.some((d) => d.name === t)),
  ];
  for (const tag of order) {
    const ops = byTag.get(tag);
    if (!ops) continue;
    const anchor = `tag-${tag.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
    list.append(el("li", {}, [el("a", { href: `#${anchor}` }, [tag])]));
    const description = tags.find((t) => t.name === tag)?.description;
    main.append(
      el("section", { class: "tag", id: anchor }, [
        el("h2", {}, [tag]),
        ...(description ? [el("p", {}, [String(description)])] : []),
        ...ops,
      ]),
    );
  }
  main.setAttribute("aria-busy", "false");
  main.dataset.ready = "true";
}

fetch("/api/openapi.json")
  .then((res) => {
    if (!res.ok) throw new Error(`GET /api/openapi.json: ${res.status}`);
    return res.json();
  })
  .then(render)
  .catch((error) => {
    const main = /** @type {HTMLElement} */ (document.getElementById("docs"));
    main.replaceChildren(
      el("p", { role: "alert" }, [
        `Could not load the API document: ${error instanceof Error ? error.message : String(error)}`,
      ]),
    );
  });
