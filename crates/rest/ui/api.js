// The worker's REST API, on the page's own origin (so its TLS and basic authentication apply).

/** An error the REST API answered: its status and Apache's `message`. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls `path` with `method` and a JSON `body`; the answer's JSON, text or null. */
export async function request(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const type = response.headers.get("Content-Type") || "";
  const parsed = text && type.includes("json") ? JSON.parse(text) : text || null;
  if (!response.ok) {
    const message = parsed && parsed.message ? parsed.message : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return parsed;
}

/** `GET path`. */
export const get = (path) => request("GET", path);

/** A connector's path: `/connectors/<name>` with the name escaped. */
export const connectorPath = (name, rest = "") => `/connectors/${encodeURIComponent(name)}${rest}`;
