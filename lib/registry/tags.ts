/** The tags of one page of `GET /v2/<name>/tags/list`, or undefined if the body is not such a page. */
export function parseTagPage(body: string): string[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null) return undefined;
  const tags = (json as Record<string, unknown>).tags;
  // Some registries send "tags": null for a repository whose tags were all deleted.
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === "string")) return undefined;
  return tags;
}

/**
 * The `rel="next"` target of a Link header (RFC 8288), resolved against the URL that answered,
 * e.g. `</v2/app/tags/list?last=1.2-9&n=1000>; rel="next"`.
 */
export function parseNextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    const params = match[2]!;
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const relations = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (relations.includes("next")) return new URL(match[1]!, base).toString();
  }
  return undefined;
}
