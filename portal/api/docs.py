"""The OpenAPI document turned into rows for the docs page (templates/api/docs.html): the
page is written on the server from the same document clients read, with no script."""

METHODS = ("get", "post", "put", "patch", "delete")


def type_of(schema: dict) -> str:
    """A schema in a few words: "integer | null", "array of Statement", "date"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(type_of(s) for s in schema[key])
    if "enum" in schema:
        return " | ".join(f'"{v}"' for v in schema["enum"])
    if "const" in schema:
        return f'"{schema["const"]}"'
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if isinstance(kind, list):
        return " | ".join(kind)
    fmt = schema.get("format")
    return fmt if kind == "string" and fmt in ("date", "date-time") else kind


def _limits(schema: dict) -> str:
    parts = []
    if "minimum" in schema:
        parts.append(f"≥ {schema['minimum']}")
    if "maximum" in schema:
        parts.append(f"≤ {schema['maximum']}")
    if "maxLength" in schema:
        parts.append(f"≤ {schema['maxLength']} chars")
    if "default" in schema and schema["default"] is not None:
        parts.append(f"default {schema['default']}")
    return ", ".join(parts)


def _parameter(p: dict) -> dict:
    schema = p.get("schema", {})
    return {"name": p["name"], "where": p["in"], "required": p.get("required", False),
            "type": type_of(schema), "limits": _limits(schema),
            "description": p.get("description") or schema.get("description", "")}


def _answers(responses: dict) -> list[dict]:
    rows = []
    for status, answer in sorted(responses.items()):
        for media, content in (answer.get("content") or {}).items():
            rows.append({"status": status, "description": answer.get("description", ""),
                         "media": media, "type": type_of(content.get("schema", {})),
                         "headers": sorted(answer.get("headers", {}))})
    return rows


def _curl(method: str, path: str, parameters: list[dict]) -> str:
    url = "$TSUNAGU_URL" + path.replace("{", "<").replace("}", ">")
    query = [p for p in parameters if p["where"] == "query" and p["required"]]
    if query:
        url += "?" + "&".join(f"{p['name']}=…" for p in query)
    verb = "" if method == "get" else f"-X {method.upper()} "
    return f'curl {verb}-H "Authorization: Bearer $TSUNAGU_TOKEN" "{url}"'


def operations(doc: dict) -> list[dict]:
    found = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            parameters = [_parameter(p) for p in op.get("parameters", [])]
            found.append({
                "id": op.get("operationId", f"{method}-{path}"), "method": method.upper(),
                "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", "").split("\n\nScopes")[0],
                "scopes": op.get("x-scopes", []), "parameters": parameters,
                "answers": _answers(op.get("responses", {})),
                "curl": _curl(method, path, parameters)})
    return found


def schemas(doc: dict) -> list[dict]:
    found = []
    for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [{"name": field, "type": type_of(sub), "required": field in required,
                   "description": sub.get("description", "")}
                  for field, sub in schema.get("properties", {}).items()]
        found.append({"name": name, "description": schema.get("description", ""),
                      "fields": fields})
    return found
