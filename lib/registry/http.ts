import type * as Http from "node:http";
import type * as Https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";

/** The part of a fetch request the registry client uses. The global `fetch` satisfies FetchLike. */
export interface HttpRequestInit {
  readonly method: "GET" | "HEAD" | "POST" | "PUT";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
}

export type FetchLike = (url: string, init: HttpRequestInit) => Promise<Response>;

export type CaInput = string | Buffer | readonly (string | Buffer)[];

/**
 * A FetchLike over node:http(s) that trusts `ca` for TLS, for registries with a private CA
 * (tests, local registries). Global fetch cannot take a CA without the undici package.
 * It does not follow redirects; the registry API calls made here do not need them.
 */
export function fetchWithCa(ca: CaInput): FetchLike {
  // Loaded here, not with the module: only a private CA needs them, and `next-tag` starts faster.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const http = require("node:http") as typeof Http;
  const https = require("node:https") as typeof Https;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const agent = new https.Agent({ ca: typeof ca === "string" || Buffer.isBuffer(ca) ? ca : [...ca], keepAlive: true });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === "https:";
      const options = { method: init.method, headers: init.headers, signal: init.signal, ...(secure ? { agent } : {}) };
      const req = (secure ? https : http).request(target, options, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.once("error", reject);
        res.once("end", () => {
          const headers = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const status = res.statusCode ?? 0;
          const body = init.method === "HEAD" || status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, statusText: res.statusMessage ?? "", headers }));
        });
      });
      req.once("error", reject);
      req.end(init.body);
    });
}

export interface RetryPolicy {
  /** Limit for one attempt, answer body included. */
  readonly timeoutMs: number;
  /**
   * When the whole operation must be over (epoch ms): no attempt runs past it and no retry starts
   * that could not. @default none
   */
  readonly deadline?: number;
  /** Extra attempts after the first, on 429, 5xx and transient network errors. */
  readonly retries: number;
  /** First backoff; doubles per attempt, capped by maxBackoffMs (also caps Retry-After). */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  /** How many attempts it took, for messages like "gave up after 4 attempts". */
  readonly attempts: number;
}

/** "budget": the operation's total time budget ran out (see RetryPolicy.deadline). */
export type TransportFailureKind = "timeout" | "budget" | "refused" | "dns" | "tls-untrusted" | "not-tls" | "network" | "other";

/** The request never got an HTTP answer. Holds codes only, never request headers or bodies. */
export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailureKind,
    readonly code: string,
    readonly attempts: number,
    readonly url: string,
  ) {
    super(`${kind} (${code}) after ${attempts} attempt(s): ${url}`);
    // Set again for dynamic providers, whose serialized super() leaves it unset (see UserError).
    this.message = `${kind} (${code}) after ${attempts} attempt(s): ${url}`;
    this.name = "TransportError";
  }
}

/**
 * Sends one request with a per-attempt timeout, retrying 429, 5xx and transient network failures,
 * all within the policy's deadline. A refused connection is not retried: nothing listens there.
 */
export async function send(fetchFn: FetchLike, url: string, init: HttpRequestInit, policy: RetryPolicy): Promise<HttpResult> {
  const deadline = policy.deadline ?? Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) throw new TransportError("budget", "BUDGET", attempt - 1, url);
    const signal = AbortSignal.timeout(Math.max(1, Math.min(policy.timeoutMs, Math.ceil(left))));
    const last = attempt > policy.retries;
    let result: HttpResult;
    try {
      const res = await fetchFn(url, { ...init, signal });
      const body = Buffer.from(await res.arrayBuffer());
      result = { status: res.status, headers: res.headers, body, attempts: attempt };
    } catch (err) {
      const [kind, code] = signal.aborted ? (["timeout", "TIMEOUT"] as const) : classify(err);
      if (!RETRYABLE_KINDS.has(kind)) throw new TransportError(kind, code, attempt, url);
      const wait = backoffMs(attempt, policy, null);
      // Out of time before another attempt could start: the budget, not the attempts, ended it.
      if (Date.now() + wait >= deadline) throw new TransportError("budget", code, attempt, url);
      if (last) throw new TransportError(kind, code, attempt, url);
      await sleep(wait);
      continue;
    }
    if (last || !isRetryableStatus(result.status)) return result;
    const wait = backoffMs(attempt, policy, result.headers.get("retry-after"));
    // No retry that could not finish within the budget: the last answer is the result.
    if (Date.now() + wait >= deadline) return result;
    await sleep(wait);
  }
}

const RETRYABLE_KINDS = new Set<TransportFailureKind>(["timeout", "network"]);

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Exponential backoff with jitter; a Retry-After (seconds or date) replaces it, both capped. */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfter: string | null, now = Date.now()): number {
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(wait)) return Math.min(policy.maxBackoffMs, Math.max(0, wait));
  }
  const exponential = policy.backoffMs * 2 ** (attempt - 1);
  return Math.min(policy.maxBackoffMs, exponential * (0.75 + Math.random() * 0.5));
}

const TLS_UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME/;
const NOT_TLS = /WRONG_VERSION_NUMBER|EPROTO|PACKET_LENGTH_TOO_LONG/;
const NETWORK = /^(ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|UND_ERR_SOCKET|UND_ERR_CLOSED|UND_ERR_CONNECT_TIMEOUT)$/;
// First match wins: "wrong version number" is an SSL error too, but means the server speaks plain HTTP.
const FAILURE_RULES: readonly (readonly [TransportFailureKind, RegExp])[] = [
  ["refused", /^ECONNREFUSED$/],
  ["dns", /^ENOTFOUND$/],
  ["not-tls", NOT_TLS],
  ["tls-untrusted", TLS_UNTRUSTED],
  ["network", NETWORK],
];

/** Names a network failure from the error codes of fetch (on `cause`) or node:http (on the error). */
export function classify(err: unknown): [TransportFailureKind, string] {
  const codes: string[] = [];
  const messages: string[] = [];
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string") codes.push(code);
    if (typeof message === "string" && message !== "") messages.push(message);
  }
  for (const [kind, pattern] of FAILURE_RULES) {
    const code = codes.find((c) => pattern.test(c));
    if (code) return [kind, code];
  }
  // No known code (e.g. fetch's "bad port"): the messages say more than a bare TypeError.
  return ["other", codes[0] ?? (messages.join(": ") || "unknown error")];
}
