import type { Settings } from "../config/schema";

/** A `docker.docker_env_vars` entry as the build gets it. */
export interface ImageEnvVar {
  readonly name: string;
  readonly value: string;
  /** Taken from the deploying environment (`KEY`, `KEY=${NAME}`) or from secret config: a secret build arg. */
  readonly secret: boolean;
}

export interface ImageEnv {
  readonly vars: readonly ImageEnvVar[];
  /** `KEY` entries whose KEY is not set here: podman skipped them, so do we. */
  readonly unset: readonly string[];
}

/**
 * `docker.docker_env_vars` as dagster-uc's `podman build --env` read them: `KEY` takes its value
 * from the deploying environment, `KEY=VALUE` is literal, and a later entry for a name wins.
 * `secretEntry(i)` says whether entry i's text is secret (`KEY=${NAME}`, or `docker` set with --secret).
 */
export function imageEnv(settings: Settings, env: NodeJS.ProcessEnv, secretEntry: (index: number) => boolean = () => false): ImageEnv {
  const vars = new Map<string, ImageEnvVar>();
  const unset: string[] = [];
  for (const [index, entry] of settings.docker.docker_env_vars.entries()) {
    const eq = entry.indexOf("=");
    const name = eq === -1 ? entry : entry.slice(0, eq);
    const value = eq === -1 ? env[name] : entry.slice(eq + 1);
    if (value === undefined) unset.push(name);
    // Set in place: the first entry's position decides the order of the Dockerfile's lines, as before.
    else vars.set(name, { name, value, secret: eq === -1 || secretEntry(index) });
  }
  // An entry superseded by a later one for the same name is no loss.
  return { vars: [...vars.values()], unset: unset.filter((name) => !vars.has(name)) };
}
