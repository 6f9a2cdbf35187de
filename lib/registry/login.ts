import type { Credentials } from "./auth";

/**
 * Registry credentials in a form that can travel as (secret) resource inputs: Azure's AAD token is
 * a value here, where the registry client takes a function.
 */
export type RegistryLogin =
  | { readonly kind: "anonymous" }
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  | { readonly kind: "azure"; readonly accessToken: string };

export function clientCredentials(login: RegistryLogin | undefined): Credentials {
  if (login === undefined || login.kind === "anonymous") return { kind: "anonymous" };
  if (login.kind === "basic") return login;
  const token = login.accessToken;
  return { kind: "azure", getAccessToken: async () => token };
}

/**
 * Whether a provider operation got a login it can use: in a preview, credentials that only an
 * update computes reach a dynamic provider as Pulumi's "unknown" placeholder instead.
 */
export function isKnownLogin(login: unknown): login is RegistryLogin {
  if (typeof login !== "object" || login === null) return false;
  const { kind } = login as { kind?: unknown };
  return kind === "anonymous" || kind === "basic" || kind === "azure";
}
