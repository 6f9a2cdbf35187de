/** Credentials for a registry. Azure gets its AAD token from the caller, so no Azure SDK is needed here. */
export type Credentials =
  | { readonly kind: "anonymous" }
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  | { readonly kind: "azure"; readonly getAccessToken: () => Promise<string> };

/** The user name ACR expects with a refresh token as password (what `az acr login --expose-token` prints). */
export const ACR_REFRESH_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

/** Which credentials were tried, for error messages: never holds a secret. */
export function describeCredentials(credentials: Credentials): string {
  switch (credentials.kind) {
    case "anonymous":
      return "anonymous access (no credentials)";
    case "basic":
      return `the password of user "${credentials.username}"`;
    case "azure":
      return `an Azure AD token exchanged for an ACR refresh token (user ${ACR_REFRESH_TOKEN_USER})`;
  }
}

/** What to do when the registry refused these credentials. */
export function credentialsHint(credentials: Credentials): string {
  switch (credentials.kind) {
    case "anonymous":
      return "the registry needs credentials: pass --username and --password-stdin";
    case "basic":
      return "check the user name and password";
    case "azure":
      return "check that the signed-in Azure identity (az login, managed identity) may pull from this registry (AcrPull)";
  }
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** One challenge of a WWW-Authenticate header; scheme lowercased, parameter names lowercased. */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses `WWW-Authenticate` (RFC 9110 §11.6.1): challenges separated by commas, each a scheme then
 * `name=value` or `name="quoted, value"` parameters. Several headers joined with ", " parse the same.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const readToken = () => {
    const start = i;
    while (i < header.length && TOKEN_CHAR.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  const skip = (chars: RegExp) => {
    while (i < header.length && chars.test(header[i]!)) i++;
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const token = readToken();
    if (token === "") {
      i++; // a stray character (e.g. the '=' padding of a token68): skip it
      continue;
    }
    skip(/[ \t]/);
    if (header[i] !== "=") {
      challenges.push({ scheme: token.toLowerCase(), params: {} });
      continue;
    }
    i++;
    skip(/[ \t]/);
    let value = "";
    if (header[i] === '"') {
      i++;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === "\\" && i + 1 < header.length) i++;
        value += header[i];
        i++;
      }
      i++;
    } else {
      // Lenient: servers do send unquoted URLs, which are not RFC tokens.
      const start = i;
      while (i < header.length && !/[\s,]/.test(header[i]!)) i++;
      value = header.slice(start, i);
    }
    const current = challenges[challenges.length - 1];
    if (current) current.params[token.toLowerCase()] = value;
  }
  return challenges;
}

/** The pull scope for a repository, as in the distribution token spec. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** URL of a token request to a Bearer realm (GET, optionally with basic auth). */
export function tokenUrl(realm: string, service: string | undefined, scope: string): string {
  const url = new URL(realm);
  if (service) url.searchParams.set("service", service);
  for (const s of scope.split(" ").filter(Boolean)) url.searchParams.append("scope", s);
  return url.toString();
}

/** Form body exchanging an AAD access token for an ACR refresh token (POST /oauth2/exchange). */
export function acrExchangeForm(service: string, aadAccessToken: string): string {
  return new URLSearchParams({ grant_type: "access_token", service, access_token: aadAccessToken }).toString();
}

/** Form body trading an ACR refresh token for an access token for `scope` (POST to the realm). */
export function acrTokenForm(service: string, scope: string, refreshToken: string): string {
  return new URLSearchParams({ grant_type: "refresh_token", service, scope, refresh_token: refreshToken }).toString();
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresInSeconds: number;
}

/** Reads a token endpoint's JSON answer; undefined when it holds no token. */
export function parseTokenResponse(body: string): IssuedToken | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null) return undefined;
  const fields = json as Record<string, unknown>;
  const token = [fields.token, fields.access_token].find((t): t is string => typeof t === "string" && t !== "");
  if (!token) return undefined;
  // The token spec's default lifetime is 60 s when expires_in is absent.
  const expires = typeof fields.expires_in === "number" && fields.expires_in > 0 ? fields.expires_in : 60;
  return { token, expiresInSeconds: expires };
}

/** Reads the refresh token out of ACR's /oauth2/exchange answer. */
export function parseRefreshTokenResponse(body: string): string | undefined {
  try {
    const json: unknown = JSON.parse(body);
    const token = typeof json === "object" && json !== null ? (json as Record<string, unknown>).refresh_token : undefined;
    return typeof token === "string" && token !== "" ? token : undefined;
  } catch {
    return undefined;
  }
}

/** Bearer tokens per scope, dropped a little before they expire so a request never races expiry. */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(scope: string): string | undefined {
    const entry = this.tokens.get(scope);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.tokens.delete(scope);
      return undefined;
    }
    return entry.token;
  }

  set(scope: string, issued: IssuedToken): void {
    const lifetimeMs = issued.expiresInSeconds * 1000;
    const margin = Math.min(30_000, lifetimeMs / 10);
    this.tokens.set(scope, { token: issued.token, expiresAt: this.now() + lifetimeMs - margin });
  }

  delete(scope: string): void {
    this.tokens.delete(scope);
  }
}
