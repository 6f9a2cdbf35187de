import { credentialsHint, describeCredentials, type Credentials } from "./auth";
import type { HttpResult, TransportError } from "./http";

/** What the client was doing, for messages: "registry R, repository "X": listing tags failed: ...". */
export interface RequestContext {
  /** The registry as the user knows it (address display, no scheme). */
  readonly registry: string;
  readonly repository?: string;
  /** Gerund phrase: "listing tags", "getting a token from https://…/token". */
  readonly action: string;
}

export interface RegistryErrorDetail {
  readonly code: string;
  readonly message: string;
}

/** Error codes from a registry answer: distribution's `{"errors":[{code,message}]}` or OAuth's `{"error":…}`. */
export function registryErrors(body: string): RegistryErrorDetail[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof json !== "object" || json === null) return [];
  const fields = json as Record<string, unknown>;
  if (Array.isArray(fields.errors)) {
    return fields.errors.flatMap((e: unknown) => {
      const { code, message } = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
      return typeof code === "string" ? [{ code, message: typeof message === "string" ? message : "" }] : [];
    });
  }
  if (typeof fields.error === "string") {
    const description = typeof fields.error_description === "string" ? fields.error_description : "";
    return [{ code: fields.error, message: description }];
  }
  return [];
}

export function where(ctx: RequestContext): string {
  return ctx.repository === undefined ? `registry ${ctx.registry}` : `registry ${ctx.registry}, repository "${ctx.repository}"`;
}

/** One line for an HTTP answer that is not what was asked for, with what to do about it. */
export function httpProblem(ctx: RequestContext, result: HttpResult, credentials: Credentials): string {
  const text = result.body.toString("utf8");
  const errors = registryErrors(text);
  const first = errors[0];
  const code = first ? `, code ${first.code}${first.message ? ` (${oneLine(first.message)})` : ""}` : ", no error code";
  const attempts = result.attempts > 1 ? ` after ${result.attempts} attempts` : "";
  return `${where(ctx)}: ${ctx.action} failed: HTTP ${result.status}${code}${attempts}; ${httpHint(result.status, first?.code, credentials, text)}`;
}

function httpHint(status: number, code: string | undefined, credentials: Credentials, body: string): string {
  // Go's TLS servers answer plain HTTP with this 400 body.
  if (status === 400 && body.includes("HTTP request to an HTTPS server")) return "the server speaks TLS: drop the http:// prefix";
  if (status === 401 || code === "UNAUTHORIZED") {
    return `tried ${describeCredentials(credentials)}: ${credentialsHint(credentials)}`;
  }
  if (status === 403 || code === "DENIED") {
    return `tried ${describeCredentials(credentials)}: they were accepted but may not pull this repository; ask for pull access`;
  }
  if (code === "NAME_INVALID") return "the registry rejects this repository name: use lowercase letters, digits and . _ - /";
  if (status === 429 || code === "TOOMANYREQUESTS") return "the registry is throttling requests; try again later";
  if (status >= 500) return "the registry is failing; try again later or check its health";
  if (status === 404 && code === undefined) {
    return "the answer has no registry error code: check that the address points at a container registry (its /v2/ API)";
  }
  return "unexpected answer: check the registry address and repository name";
}

/** The limits a request ran under, for messages. */
export interface RequestLimits {
  readonly timeoutMs: number;
  readonly budgetMs: number;
}

/** One line for a request that got no HTTP answer at all. */
export function transportProblem(ctx: RequestContext, err: TransportError, limits: RequestLimits): string {
  const target = new URL(err.url);
  const attempts = err.attempts > 1 ? `, ${err.attempts} attempts` : "";
  const what =
    err.kind === "timeout"
      ? `no answer within ${limits.timeoutMs} ms`
      : err.kind === "budget"
        ? `no answer within the ${formatSeconds(limits.budgetMs)} budget for this run's registry requests${err.code === "BUDGET" || err.code === "TIMEOUT" ? "" : ` (last: ${err.code})`}`
        : `no HTTP answer (${err.code})`;
  return `${where(ctx)}: ${ctx.action} failed: ${what} from ${target.origin}${target.pathname}${attempts}; ${TRANSPORT_HINTS[err.kind]}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

const TRANSPORT_HINTS: Record<TransportError["kind"], string> = {
  refused: "connection refused: check that the registry is running and that host and port are right",
  timeout: "check network access to the registry, or try again later",
  budget:
    "check that the registry is up and reachable from here (address, network, firewall, proxy); " +
    "for a registry that is only slow, raise docker.registry_timeout_seconds (next-tag: --timeout)",
  dns: "host not found: check the registry address",
  "not-tls": "the server does not speak TLS: for a local registry without TLS, prefix the address with http://",
  "tls-untrusted": "its TLS certificate is not trusted: pass --ca-file with the CA certificate that signed it",
  network: "the connection broke: check network access to the registry, or try again later",
  other: "check the registry address and network access",
};

export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/**
 * Replaces every secret in `text` with "***": messages quote registry answers we do not control.
 * Secrets under 4 characters are left alone, as replacing them would garble the whole message.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("***");
  return out;
}
