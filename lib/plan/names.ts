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
/** What a hashed name ends in. */
const HASHED_TAIL = new RegExp(`-[0-9a-f]{${HASH_LENGTH}}$`);
/** What a name given the digit prefix starts with. */
const DIGIT_PREFIXED = /^d-[0-9]/;

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
  const prefixed = !/^[a-z]/.test(full);
  const label = prefixed ? `d-${full}` : full;
  const shape = {
    // A name that starts like a prefixed one without being one ("d-1abc" for "1abc").
    mimicsPrefix: !prefixed && DIGIT_PREFIXED.test(full),
    // The longest run of dashes a name of this project can hold: what shortening may trim.
    dashRun: project === undefined ? 1 : Math.max(2, ...(project.match(/-+/g) ?? []).map((run) => run.length)),
  };
  return {
    deploymentName: fitName(label, DEPLOYMENT_NAME_MAX, shape),
    releaseName: fitName(label, RELEASE_NAME_MAX, shape),
    locationName: project === undefined ? branchPart : `${project}:${branchPart}`,
    branchPart,
  };
}

export interface NameShape {
  /** The name is not digit-prefixed, but starts with `d-<digit>` as if it were. */
  readonly mimicsPrefix?: boolean;
  /** The longest run of dashes such a name can hold. @default 1 */
  readonly dashRun?: number;
}

/**
 * A name of at most `max` characters that no other name can get. A name that fits is kept as is,
 * unless it has the shape of a hashed name (it ends in `-<8 hex>` and is as long as a shortened
 * name, or starts like a digit-prefixed name): such a name, and any longer one, keeps its start
 * and ends in a hash of the whole name. So a branch spelled like another branch's shortened name
 * never gets that name, and the same branch always gets the same one.
 */
export function fitName(label: string, max: number, shape: NameShape = {}): string {
  const dashRun = Math.max(1, shape.dashRun ?? 1);
  const hashedShape = HASHED_TAIL.test(label) && (label.length >= max - dashRun || DIGIT_PREFIXED.test(label));
  if (label.length <= max && !hashedShape && !shape.mimicsPrefix) return label;
  // A mimic shares its label with a real prefixed name: hash it apart from that one.
  const hash = createHash("sha256").update(shape.mimicsPrefix ? `literal:${label}` : label).digest("hex").slice(0, HASH_LENGTH);
  if (label.length + 1 + HASH_LENGTH <= max) return `${label}-${hash}`;
  const head = label.slice(0, max - HASH_LENGTH - 1).replace(/-+$/, "");
  return `${head}-${hash}`;
}
