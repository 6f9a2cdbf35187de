import { createHash } from "node:crypto";
import { UserError } from "../shared/errors";

/** The names one deployment goes by, all derived from the same inputs. */
export interface DeploymentNames {
  /** Kubernetes Service name and Dagster gRPC host: a DNS-1035 label of at most 63 characters. */
  readonly deploymentName: string;
  /** Helm release name: at most 53 characters, Helm's own limit. */
  readonly releaseName: string;
  /** The code location name shown in Dagster: `<project>:<branch>`. */
  readonly locationName: string;
  /** The branch part of the names, also passed to the image build as BRANCH_NAME. */
  readonly branchPart: string;
}

export interface NameInputs {
  /** Project slug, or undefined when the deployment name has no project prefix. */
  readonly project: string | undefined;
  /** The branch (or environment, with cicd) before normalisation. */
  readonly branch: string;
  /** dagster-uc's --deployment-name-suffix, appended to the branch before normalisation. */
  readonly suffix?: string;
}

const DEPLOYMENT_NAME_MAX = 63;
const RELEASE_NAME_MAX = 53;
const HASH_LENGTH = 8;

/** dagster-uc's project slug: runs of characters outside [a-zA-Z0-9-] become "-", edges trimmed. */
export function projectSlug(name: string): string {
  return name.replace(/[^a-zA-Z0-9-]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase();
}

/** dagster-uc's branch part: every run of non-alphanumerics becomes one "-", edges trimmed. */
export function branchSlug(branch: string): string {
  return branch.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase();
}

export function deploymentNames(inputs: NameInputs): DeploymentNames {
  const branchPart = branchSlug(`${inputs.branch}${inputs.suffix ?? ""}`);
  if (branchPart === "") {
    throw new UserError(`branch "${inputs.branch}" has no letters or digits to name a deployment after`);
  }
  const project = inputs.project === undefined ? undefined : projectSlug(inputs.project);
  if (project === "") throw new UserError(`project name "${inputs.project}" has no letters or digits to name a deployment after`);

  const full = project === undefined ? branchPart : `${project}--${branchPart}`;
  // A DNS-1035 label starts with a letter: "d" for Dagster when the name starts with a digit.
  const label = /^[a-z]/.test(full) ? full : `d-${full}`;
  return {
    deploymentName: shorten(label, DEPLOYMENT_NAME_MAX),
    releaseName: shorten(label, RELEASE_NAME_MAX),
    locationName: project === undefined ? branchPart : `${project}:${branchPart}`,
    branchPart,
  };
}

/**
 * Names over the limit keep their start and end in a hash of the whole name, so two long branches
 * that share a prefix still get different names, and the same branch always gets the same one.
 */
export function shorten(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, HASH_LENGTH);
  const head = name.slice(0, max - HASH_LENGTH - 1).replace(/-+$/, "");
  return `${head}-${hash}`;
}
