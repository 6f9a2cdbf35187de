#!/usr/bin/env node
// Asks a Dagster webserver's GraphQL API whether a code location is loaded (or gone), polling until
// it is or the time is up. Used by e2e/run.sh; the tests run it against a stand-in webserver that
// validates the query against Dagster's schema.
//   node e2e/check-location.mjs --url http://127.0.0.1:3000/graphql --location NAME --expect loaded|absent [--timeout 180]
import { parseArgs } from "node:util";

export const LOCATION_QUERY = `query E2eLocation {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        displayMetadata { key value }
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { name } }
          ... on PythonError { message }
        }
      }
    }
    ... on PythonError { message }
  }
}`;

/** One look: "loaded" (with its repositories), "loading", "absent", or the location's load error. */
export async function lookOnce(url, location) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: LOCATION_QUERY, operationName: "E2eLocation" }),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const { data, errors } = await response.json();
  if (errors?.length) throw new Error(`${url}: ${errors.map((e) => e.message).join("; ")}`);
  const workspace = data.workspaceOrError;
  if (workspace.__typename !== "Workspace") throw new Error(`the webserver cannot list its workspace: ${workspace.message ?? workspace.__typename}`);
  const entry = workspace.locationEntries.find((e) => e.name === location);
  if (entry === undefined) return { state: "absent" };
  if (entry.loadStatus !== "LOADED") return { state: "loading" };
  const loaded = entry.locationOrLoadError;
  if (loaded?.__typename === "PythonError") return { state: "error", message: loaded.message };
  const metadata = Object.fromEntries(entry.displayMetadata.map((m) => [m.key, m.value]));
  return { state: "loaded", repositories: (loaded?.repositories ?? []).map((r) => r.name), metadata };
}

export async function waitFor({ url, location, expect, timeoutSeconds, pollMs = 3000 }) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    let seen;
    try {
      seen = await lookOnce(url, location);
    } catch (err) {
      seen = { state: "unreachable", message: err.message };
    }
    if (seen.state === "error") return { ok: false, seen };
    if (seen.state === expect) return { ok: true, seen };
    if (Date.now() >= deadline) return { ok: false, seen };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { url: { type: "string" }, location: { type: "string" }, expect: { type: "string" }, timeout: { type: "string", default: "180" } } });
  if (!values.url || !values.location || !["loaded", "absent"].includes(values.expect ?? "")) {
    console.error("usage: check-location.mjs --url URL --location NAME --expect loaded|absent [--timeout SECONDS]");
    process.exit(2);
  }
  const result = await waitFor({ url: values.url, location: values.location, expect: values.expect, timeoutSeconds: Number(values.timeout) });
  console.log(JSON.stringify({ location: values.location, expected: values.expect, ...result }));
  process.exit(result.ok ? 0 : 1);
}
