import { UserError } from "../shared/errors";
import { sha256Digest } from "../shared/fileDigest";
import {
  imageRepository,
  isDigest,
  isValidTag,
  parseRegistryAddress,
  registryOrigin,
  repositoryPath,
  type RegistryAddress,
} from "../config/registryAddress";
import {
  ACR_REFRESH_TOKEN_USER,
  acrExchangeForm,
  acrTokenForm,
  basicAuthorization,
  parseRefreshTokenResponse,
  parseTokenResponse,
  parseWwwAuthenticate,
  pullScope,
  TokenCache,
  tokenUrl,
  type Challenge,
  type Credentials,
} from "./auth";
import { fetchWithCa, send, TransportError, type CaInput, type FetchLike, type HttpRequestInit, type HttpResult, type RetryPolicy } from "./http";
import { httpProblem, oneLine, redact, registryErrors, transportProblem, where, type RequestContext } from "./problems";
import { parseNextLink, parseTagPage } from "./tags";

/** Manifest and index types of OCI and Docker, all accepted when checking that a tag exists. */
export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
] as const;

export interface RegistryClientOptions {
  /** `host[:port][/path]`; https unless prefixed with `http://`. */
  readonly registry: string;
  /** @default anonymous */
  readonly credentials?: Credentials;
  /** Limit for one HTTP attempt. @default 15000 */
  readonly timeoutMs?: number;
  /** Extra attempts on 429, 5xx and transient network errors. @default 3 */
  readonly retries?: number;
  /** First retry delay, doubled per attempt. @default 500 */
  readonly backoffMs?: number;
  /** Longest retry delay, also the cap on Retry-After. @default 10000 */
  readonly maxBackoffMs?: number;
  /** Tags asked for per page (`n`). @default 1000 */
  readonly pageSize?: number;
  /** CA certificate(s) to trust for TLS, for registries with a private CA. Ignored when `fetch` is given. */
  readonly ca?: CaInput;
  /** Replaces the global fetch (tests). */
  readonly fetch?: FetchLike;
}

/** A manifest as the registry served it: its digest (checked) and parsed JSON. */
export interface Manifest {
  readonly digest: string;
  readonly json: unknown;
}

const MAX_PAGES = 10_000;
const FORM = { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" } as const;

/** A client of the OCI distribution API: tag listing, manifest checks, credentials for docker login. */
export class RegistryClient {
  readonly address: RegistryAddress;
  private readonly origin: string;
  private readonly credentials: Credentials;
  private readonly policy: RetryPolicy;
  private readonly pageSize: number;
  private readonly fetchFn: FetchLike;
  private readonly tokens = new TokenCache();
  /** Everything secret this client has seen, scrubbed from every error it throws. */
  private readonly secrets = new Set<string>();
  /** Set once the registry asked for basic auth, so later requests send it up front. */
  private basicHeader: string | undefined;
  private refreshToken: Promise<string> | undefined;

  constructor(options: RegistryClientOptions) {
    this.address = parseRegistryAddress(options.registry);
    this.origin = registryOrigin(this.address);
    this.credentials = options.credentials ?? { kind: "anonymous" };
    if (this.credentials.kind === "basic") this.secrets.add(this.credentials.password);
    this.policy = {
      timeoutMs: atLeast("timeoutMs", options.timeoutMs ?? 15_000, 1),
      retries: atLeast("retries", options.retries ?? 3, 0),
      backoffMs: atLeast("backoffMs", options.backoffMs ?? 500, 0),
      maxBackoffMs: atLeast("maxBackoffMs", options.maxBackoffMs ?? 10_000, 0),
    };
    this.pageSize = atLeast("pageSize", options.pageSize ?? 1000, 1);
    this.fetchFn = options.fetch ?? (options.ca !== undefined ? fetchWithCa(options.ca) : fetch);
  }

  /** `host[/prefix]/repository`, as used in image references; never holds the scheme. */
  imageRepository(repository: string): string {
    return imageRepository(this.address, repository);
  }

  /** All tags of `repository` (relative to the address's path), following pagination; [] if it does not exist. */
  async listTags(repository: string): Promise<string[]> {
    const name = repositoryPath(this.address, repository);
    const ctx = this.context(repository, "listing tags");
    const tags: string[] = [];
    const visited = new Set<string>();
    let url: string | undefined = `${this.origin}/v2/${name}/tags/list?n=${this.pageSize}`;
    while (url !== undefined) {
      if (visited.has(url) || visited.size >= MAX_PAGES) {
        throw this.fail(`${where(ctx)}: listing tags failed: the registry's Link header loops (${url}); report this to its operators`);
      }
      visited.add(url);
      const result = await this.request("GET", url, name, ctx, { Accept: "application/json" });
      // NAME_UNKNOWN is how a registry says "no tags pushed yet"; a bare 404 is not a registry.
      if (result.status === 404 && visited.size === 1 && hasCode(result, "NAME_UNKNOWN")) return [];
      if (result.status !== 200) throw this.fail(httpProblem(ctx, result, this.credentials));
      const page = parseTagPage(result.body.toString("utf8"));
      if (page === undefined) {
        throw this.fail(`${where(ctx)}: listing tags failed: HTTP 200 but no tag list in the answer; check that the address points at a container registry`);
      }
      tags.push(...page);
      url = parseNextLink(result.headers.get("link"), url);
      if (url !== undefined && new URL(url).origin !== new URL(this.origin).origin) {
        throw this.fail(`${where(ctx)}: listing tags failed: the next page is on another host (${new URL(url).origin}); not following it with these credentials`);
      }
    }
    return tags;
  }

  /** The digest of `tagOrDigest` in `repository`, or undefined if there is no such manifest. */
  async manifestDigest(repository: string, tagOrDigest: string): Promise<string | undefined> {
    const name = repositoryPath(this.address, repository);
    const ctx = this.context(repository, `checking manifest "${tagOrDigest}"`);
    this.checkReference(ctx, tagOrDigest);
    const url = `${this.origin}/v2/${name}/manifests/${tagOrDigest}`;
    const headers = { Accept: MANIFEST_MEDIA_TYPES.join(", ") };
    const head = await this.request("HEAD", url, name, ctx, headers);
    if (head.status === 404) return undefined;
    if (head.status !== 200) throw this.fail(httpProblem(ctx, head, this.credentials));
    const digest = head.headers.get("docker-content-digest");
    if (digest) return digest;
    // The header is optional in the OCI spec: then the digest is the hash of the manifest's bytes.
    const got = await this.request("GET", url, name, ctx, headers);
    if (got.status === 404) return undefined;
    if (got.status !== 200) throw this.fail(httpProblem(ctx, got, this.credentials));
    return sha256Digest(got.body);
  }

  /**
   * The manifest `reference` (tag or digest) of `repository`, its bytes checked against the digest
   * the registry names; undefined if there is no such manifest.
   */
  async manifest(repository: string, reference: string, accept: readonly string[]): Promise<Manifest | undefined> {
    const name = repositoryPath(this.address, repository);
    const ctx = this.context(repository, `reading manifest "${reference}"`);
    this.checkReference(ctx, reference);
    const result = await this.request("GET", `${this.origin}/v2/${name}/manifests/${reference}`, name, ctx, { Accept: accept.join(", ") });
    if (result.status === 404) return undefined;
    if (result.status !== 200) throw this.fail(httpProblem(ctx, result, this.credentials));
    const digest = sha256Digest(result.body);
    const named = isDigest(reference) ? reference : result.headers.get("docker-content-digest");
    if (named && named !== digest) {
      throw this.fail(`${where(ctx)}: the manifest's bytes hash to ${digest}, not ${named}; the registry or a proxy altered it`);
    }
    let json: unknown;
    try {
      json = JSON.parse(result.body.toString("utf8"));
    } catch {
      throw this.fail(`${where(ctx)}: the manifest is not JSON; check that the address points at a container registry`);
    }
    return { digest, json };
  }

  /** The blob `digest` of `repository`, verified against that digest. */
  async blob(repository: string, digest: string): Promise<Buffer> {
    const name = repositoryPath(this.address, repository);
    const ctx = this.context(repository, `downloading blob ${digest}`);
    if (!isDigest(digest)) throw this.fail(`${where(ctx)}: "${digest}" is not a sha256 digest`);
    const result = await this.request("GET", `${this.origin}/v2/${name}/blobs/${digest}`, name, ctx, { Accept: "*/*" });
    if (result.status !== 200) throw this.fail(httpProblem(ctx, result, this.credentials));
    const actual = sha256Digest(result.body);
    if (actual !== digest) throw this.fail(`${where(ctx)}: the blob's bytes hash to ${actual}; the download is corrupt or was altered`);
    return result.body;
  }

  /** User and password for `docker login` / BuildKit: basic as given, Azure as ACR refresh token. */
  async dockerLoginCredentials(): Promise<{ username: string; password: string }> {
    const creds = this.credentials;
    switch (creds.kind) {
      case "anonymous":
        throw this.fail(`registry ${this.address.display}: no credentials given, but docker login needs them; pass --username and --password-stdin`);
      case "basic":
        return { username: creds.username, password: creds.password };
      case "azure":
        return { username: ACR_REFRESH_TOKEN_USER, password: await this.acrRefreshToken(creds.getAccessToken, this.context(undefined, "logging in")) };
    }
  }

  /** Sends a request, answering one 401 challenge; returns the last answer for the caller to judge. */
  private async request(method: "GET" | "HEAD", url: string, name: string, ctx: RequestContext, headers: Record<string, string>): Promise<HttpResult> {
    const scope = pullScope(name);
    const cached = this.tokens.get(scope);
    let authorization = cached !== undefined ? `Bearer ${cached}` : this.basicHeader;
    for (let round = 0; ; round++) {
      const result = await this.send(url, { method, headers: authorization ? { ...headers, Authorization: authorization } : headers }, ctx);
      if (result.status !== 401 || round > 0) return result;
      this.tokens.delete(scope);
      authorization = await this.answerChallenge(result, scope, ctx);
      if (authorization === undefined) return result;
    }
  }

  /** The Authorization header answering a 401's challenge, or undefined when there is nothing to try. */
  private async answerChallenge(result: HttpResult, scope: string, ctx: RequestContext): Promise<string | undefined> {
    const challenges = parseWwwAuthenticate(result.headers.get("www-authenticate") ?? "");
    const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
    if (bearer) return `Bearer ${await this.bearerToken(bearer, scope, ctx)}`;
    const creds = this.credentials;
    if (creds.kind === "anonymous" || !challenges.some((c) => c.scheme === "basic")) return undefined;
    this.basicHeader =
      creds.kind === "basic"
        ? basicAuthorization(creds.username, creds.password)
        : basicAuthorization(ACR_REFRESH_TOKEN_USER, await this.acrRefreshToken(creds.getAccessToken, ctx));
    return this.basicHeader;
  }

  /** A token from the challenge's realm (distribution token spec; ACR's refresh-token grant for Azure). */
  private async bearerToken(challenge: Challenge, scope: string, ctx: RequestContext): Promise<string> {
    const realm = challenge.params.realm!;
    const service = challenge.params.service;
    const requested = challenge.params.scope || scope;
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw this.fail(`${where(ctx)}: ${ctx.action} failed: the registry's token realm "${realm}" is not a URL`);
    }
    // Credentials go over plain HTTP only if the user chose http:// for the registry itself.
    if (realmUrl.protocol !== "https:" && !(realmUrl.protocol === "http:" && this.address.scheme === "http")) {
      throw this.fail(`${where(ctx)}: ${ctx.action} failed: the registry's token realm ${realmUrl.origin} is not https; not sending credentials there`);
    }
    const tokenCtx = { ...ctx, action: `getting a token from ${realmUrl.origin}${realmUrl.pathname}` };
    const creds = this.credentials;
    let result: HttpResult;
    if (creds.kind === "azure") {
      const refresh = await this.acrRefreshToken(creds.getAccessToken, ctx);
      const body = acrTokenForm(service ?? this.address.host, requested, refresh);
      result = await this.send(realmUrl.toString(), { method: "POST", headers: FORM, body }, tokenCtx);
    } else {
      const headers: Record<string, string> = { Accept: "application/json" };
      if (creds.kind === "basic") headers.Authorization = basicAuthorization(creds.username, creds.password);
      result = await this.send(tokenUrl(realm, service, requested), { method: "GET", headers }, tokenCtx);
    }
    if (result.status !== 200) throw this.fail(httpProblem(tokenCtx, result, creds));
    const issued = parseTokenResponse(result.body.toString("utf8"));
    if (!issued) throw this.fail(`${where(tokenCtx)}: ${tokenCtx.action} failed: HTTP 200 but no token in the answer`);
    this.secrets.add(issued.token);
    this.tokens.set(scope, issued);
    return issued.token;
  }

  /** The ACR refresh token for the current Azure identity, fetched once per client (`az acr login --expose-token`). */
  private acrRefreshToken(getAccessToken: () => Promise<string>, ctx: RequestContext): Promise<string> {
    this.refreshToken ??= this.exchangeAadToken(getAccessToken, ctx).catch((err: unknown) => {
      this.refreshToken = undefined; // let a later call try again
      throw err;
    });
    return this.refreshToken;
  }

  private async exchangeAadToken(getAccessToken: () => Promise<string>, ctx: RequestContext): Promise<string> {
    let aadToken: string;
    try {
      aadToken = await getAccessToken();
    } catch (err) {
      const why = oneLine(err instanceof Error ? err.message : String(err));
      throw this.fail(`${where(ctx)}: getting an Azure AD access token failed: ${why}; sign in with az login or check the managed identity`);
    }
    this.secrets.add(aadToken);
    const url = `${this.origin}/oauth2/exchange`;
    const exchangeCtx = { ...ctx, action: `exchanging the Azure AD token at ${url}` };
    const result = await this.send(url, { method: "POST", headers: FORM, body: acrExchangeForm(this.address.host, aadToken) }, exchangeCtx);
    if (result.status !== 200) throw this.fail(httpProblem(exchangeCtx, result, this.credentials));
    const refresh = parseRefreshTokenResponse(result.body.toString("utf8"));
    if (!refresh) {
      throw this.fail(`${where(exchangeCtx)}: ${exchangeCtx.action} failed: HTTP 200 but no refresh_token; is this an Azure Container Registry?`);
    }
    this.secrets.add(refresh);
    return refresh;
  }

  private async send(url: string, init: HttpRequestInit, ctx: RequestContext): Promise<HttpResult> {
    try {
      return await send(this.fetchFn, url, init, this.policy);
    } catch (err) {
      if (err instanceof TransportError) throw this.fail(transportProblem(ctx, err, this.policy.timeoutMs));
      throw err;
    }
  }

  private checkReference(ctx: RequestContext, reference: string): void {
    if (!isValidTag(reference) && !isDigest(reference)) {
      throw this.fail(`${where(ctx)}: "${reference}" is neither a tag (letters, digits, _ . -, at most 128) nor a digest (sha256:…)`);
    }
  }

  private context(repository: string | undefined, action: string): RequestContext {
    return { registry: this.address.display, repository, action };
  }

  private fail(message: string): UserError {
    return new UserError(redact(message, this.secrets));
  }
}

function hasCode(result: HttpResult, code: string): boolean {
  return registryErrors(result.body.toString("utf8")).some((e) => e.code === code);
}

function atLeast(option: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`RegistryClient: ${option} must be an integer >= ${min}, got ${value}`);
  return value;
}
