import { UserError } from "../shared/errors";

/**
 * A registry as the user wrote it: `host[:port][/path]`, https unless `http://` is given.
 * `display` is what goes into image names: it never holds the scheme.
 */
export interface RegistryAddress {
  readonly scheme: "https" | "http";
  /** Host with optional port, e.g. `myacr.azurecr.io` or `127.0.0.1:5000`. */
  readonly host: string;
  /** Repository path under the host that every repository name starts with ("" for none). */
  readonly pathPrefix: string;
  /** `host[/pathPrefix]`, as used in image references. */
  readonly display: string;
  /** As the user wrote it: what a dynamic provider, which runs in another process, parses again. */
  readonly input: string;
}

// Distribution's reference grammar: lowercase alphanumerics joined by ".", "_", "__" or dashes.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$/;
/** Docker's limit for a whole image name, host included. */
const NAME_MAX = 255;

export function parseRegistryAddress(input: string): RegistryAddress {
  const bad = (why: string) => new UserError(`registry "${input}" is not usable: ${why}`);
  let rest = input.trim();
  let scheme: RegistryAddress["scheme"] = "https";
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (schemeMatch) {
    const given = schemeMatch[1]!.toLowerCase();
    if (given !== "http" && given !== "https") throw bad(`only https:// (the default) or http:// may prefix it, not ${given}://`);
    scheme = given;
    rest = rest.slice(schemeMatch[0].length);
  }
  rest = rest.replace(/\/+$/, "");
  if (rest === "") throw bad("give it as host[:port][/path], e.g. myregistry.azurecr.io");
  if (rest.includes("@")) throw bad("credentials do not belong in the address; use --username and --password-stdin");
  if (/[?#\s]/.test(rest)) throw bad("give it as host[:port][/path], without query, fragment or spaces");

  const slash = rest.indexOf("/");
  const hostPart = slash < 0 ? rest : rest.slice(0, slash);
  const pathPrefix = slash < 0 ? "" : rest.slice(slash + 1);
  const hostProblem = checkHost(hostPart);
  if (hostProblem) throw bad(hostProblem);
  if (pathPrefix !== "") {
    const pathProblem = checkRepositoryPath(pathPrefix);
    if (pathProblem) throw bad(`its path ${pathProblem}`);
  }
  return { scheme, host: hostPart, pathPrefix, display: pathPrefix ? `${hostPart}/${pathPrefix}` : hostPart, input };
}

/** `scheme://host`, the base of the registry's /v2/ API. */
export function registryOrigin(address: RegistryAddress): string {
  return `${address.scheme}://${address.host}`;
}

/** The repository name the registry API knows: the address's path prefix plus `repository`. */
export function repositoryPath(address: RegistryAddress, repository: string): string {
  const full = address.pathPrefix ? `${address.pathPrefix}/${repository}` : repository;
  const problem = checkRepositoryPath(repository) ?? checkLength(address, full);
  if (problem) {
    throw new UserError(
      `registry ${address.display}, repository "${repository}": invalid repository name, not sent to the registry: ${problem}`,
    );
  }
  return full;
}

/** The image repository as used in `docker pull` and Kubernetes: `host[/prefix]/repository`, no scheme. */
export function imageRepository(address: RegistryAddress, repository: string): string {
  repositoryPath(address, repository);
  return `${address.display}/${repository}`;
}

/** Why `path` is not a valid repository path (slash-separated components), or undefined if it is. */
export function checkRepositoryPath(path: string): string | undefined {
  if (path === "") return "it is empty";
  const components = path.split("/");
  const wrong = components.find((c) => !PATH_COMPONENT.test(c));
  if (wrong === undefined) return undefined;
  if (wrong === "") return "it has an empty path component (leading, trailing or double slash)";
  const lower = path.toLowerCase();
  const hint = lower !== path && checkRepositoryPath(lower) === undefined ? `; use "${lower}"` : "";
  return (
    `component "${wrong}" must be lowercase letters and digits, ` +
    `separated by single ".", "_", "__" or dashes${hint}`
  );
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isDigest(reference: string): boolean {
  return DIGEST.test(reference);
}

function checkLength(address: RegistryAddress, path: string): string | undefined {
  const length = address.host.length + 1 + path.length;
  return length > NAME_MAX ? `the image name would be ${length} characters, more than ${NAME_MAX}` : undefined;
}

function checkHost(host: string): string | undefined {
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(host)!;
  const name = portMatch[1]!;
  const port = portMatch[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range`;
  if (host.endsWith(":")) return "the port after ':' is missing";
  if (!HOST_NAME.test(name) && !IPV6.test(name)) {
    return `"${host}" is not a host name (letters, digits, dots and dashes, optionally :port)`;
  }
  return undefined;
}
