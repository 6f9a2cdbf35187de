import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { onlyResource, runProgramUnderMocks, type MockRun, type RecordedResource } from "../cli/programUnderMocks";
import { DAGSTER_VERSION_CHECK_TYPE } from "../components/dagsterVersionCheck";
import { IMAGE_VERSION_TYPE } from "../components/imageVersion";
import { WORKSPACE_ENTRY_TYPE } from "../components/workspaceEntry";
import { CI_BRANCH_VARIABLES } from "../lib/plan/branch";
import { readStackFiles } from "../lib/config/stackFiles";
import { REPO_ROOT } from "./support/repo";

// The real index.ts under mocks for the dev stack, with `kubernetes` and `chart` set with
// --secret (Pulumi secures whole top-level keys) and a docker_env_vars entry KEY=${NAME}: what the
// engine receives (the raw registration requests) must mark everything made from them as secret.
const ENV_TOKEN = "token-from-the-ci-environment";
const CHART_SECRET = "chart-value-set-with-secret";
let run: MockRun;

before(async () => {
  for (const name of CI_BRANCH_VARIABLES) delete process.env[name];
  // CI on the main line, whatever this checkout is: the dev stack deploys main, and only from main.
  process.env.GITHUB_REF_NAME = "main";
  process.env.BUILD_TOKEN = ENV_TOKEN;
  process.env.DAGSTER_CODE_LOCATIONS_OFFLINE = "1";
  const files = readStackFiles(REPO_ROOT, "dev");
  files.config["dagster-code-locations:branch"] = "main";
  files.config["dagster-code-locations:docker"] = JSON.stringify({
    ...JSON.parse(files.config["dagster-code-locations:docker"] ?? "{}"),
    docker_env_vars: ["ON_K8S=1", "PIP_TOKEN=${BUILD_TOKEN}"],
  });
  files.config["dagster-code-locations:chart"] = JSON.stringify({ deployment: { annotations: { "example.com/token": CHART_SECRET } } });
  run = await runProgramUnderMocks({
    ...files,
    secretKeys: ["dagster-code-locations:kubernetes", "dagster-code-locations:chart"],
    stack: "dev",
    cwd: REPO_ROOT,
    load: () => require("../index"),
    computed: {
      [IMAGE_VERSION_TYPE]: () => ({ tag: "1.11.16-3" }),
      "docker-build:index:Image": () => ({ digest: `sha256:${"ef".repeat(32)}` }),
    },
    calls: { "azure-native:authorization:getClientToken": () => ({ token: "aad-token" }) },
  });
});

const only = (type: string): RecordedResource => onlyResource(run.resources, type);

describe("secret config keys and values from the environment (index.ts under mocks)", () => {
  it("sends the release's values and namespace as secrets when kubernetes and chart are secret", () => {
    const release = only("kubernetes:helm.sh/v3:Release");
    assert.ok(release.secretPaths.includes("values"), `release secrets: ${release.secretPaths.join(", ")}`);
    assert.ok(release.secretPaths.includes("namespace"));
    assert.ok(!release.secretPaths.includes("name"), "the release name is a name, not a secret");
    // The value is there, for the provider; only its wire form is marked.
    const values = release.inputs.values as { deployments: { annotations?: Record<string, string> }[] };
    assert.equal(values.deployments[0]?.annotations?.["example.com/token"], CHART_SECRET);
  });

  it("keeps the kube context and namespace secret in the provider, the workspace entry and the version check", () => {
    assert.deepEqual(only("pulumi:providers:kubernetes").secretPaths, ["context"]);
    const entry = only(WORKSPACE_ENTRY_TYPE);
    assert.ok(entry.secretPaths.includes("context") && entry.secretPaths.includes("namespace"), entry.secretPaths.join(", "));
    assert.ok(!entry.secretPaths.includes("entry"), "the location's name and host are names");
    const check = only(DAGSTER_VERSION_CHECK_TYPE);
    assert.ok(check.secretPaths.includes("context") && check.secretPaths.includes("namespace"), check.secretPaths.join(", "));
  });

  it("sends a KEY=${NAME} build arg as a secret, a literal one in plain text", () => {
    const image = only("docker-build:index:Image");
    assert.ok(image.secretPaths.includes("buildArgs.PIP_TOKEN"), image.secretPaths.join(", "));
    assert.ok(!image.secretPaths.includes("buildArgs.ON_K8S"));
    assert.equal((image.inputs.buildArgs as Record<string, string>).PIP_TOKEN, ENV_TOKEN);
  });

  it("makes the namespace output secret, and leaves the names readable", () => {
    assert.equal(run.outputs.namespace, "[secret]");
    assert.equal(run.outputs.deploymentName, "example--main");
    assert.ok(!JSON.stringify(run.outputs).includes(CHART_SECRET));
  });
});
