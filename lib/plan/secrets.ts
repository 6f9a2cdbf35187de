import type { Path } from "../config/interpolate";

/** Where the secret values of the settings are. */
export interface SettingSecrets {
  /** Top-level settings keys set with `--secret` (Pulumi secures a whole top-level key). */
  readonly keys: ReadonlySet<string>;
  /** Paths of the strings that took their text from the environment (`${NAME}`). */
  readonly fromEnvironment: readonly Path[];
}

/**
 * The settings whose values reach the code, the image or a login: a `${NAME}` in them is a secret.
 * Elsewhere (names, paths, the registry address, the kube context) a value from the environment
 * only says where to deploy, and stays readable: errors still never show it.
 */
export const PAYLOAD_SETTINGS: readonly Path[] = [
  ["docker", "docker_env_vars"],
  ["kubernetes", "user_code_deployment_env"],
  ["kubernetes", "service_account_annotations"],
  ["kubernetes", "pod_labels"],
  ["chart"],
  ["registry_password"],
];

/** Whether the setting at `path` (or something inside it) is secret: set with --secret, or a payload from the environment. */
export function isSecretSetting(secrets: SettingSecrets, path: Path): boolean {
  if (path.length > 0 && secrets.keys.has(String(path[0]))) return true;
  return secrets.fromEnvironment.some(
    (envPath) => (startsWith(envPath, path) || startsWith(path, envPath)) && PAYLOAD_SETTINGS.some((payload) => startsWith(envPath, payload)),
  );
}

export function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i]);
}
