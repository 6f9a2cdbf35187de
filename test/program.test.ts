import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { onlyResource, runProgramUnderMocks, UNKNOWN_OUTPUT, type MockRun, type RecordedResource } from "../cli/programUnderMocks";
import { DAGSTER_VERSION_CHECK_TYPE } from "../components/dagsterVersionCheck";
import { EXISTING_IMAGE_TYPE } from "../components/existingImage";
import { WORKSPACE_ENTRY_TYPE } from "../components/workspaceEntry";
import { compileValuesSchema } from "../lib/chart/schema";
import { CI_BRANCH_VARIABLES } from "../lib/plan/branch";
import { readStackFiles } from "../lib/config/stackFiles";
import { dagsterChartFiles, packChart, pushChart } from "./support/charts";
import { registrySkipReason, startRegistry, type LocalRegistry } from "./support/docker-registry";
import { readSharedChartFile, REPO_ROOT } from "./support/repo";

// The real index.ts, under Pulumi's mocks, with the repository's dev stack config, deploying an
// existing image (docker.image_tag) from a registry with a user and password: the real loopback
// registry, which holds Dagster's chart too (helm.skip_schema_validation: true, as the dev stack has).
const DIGEST = `sha256:${"ab".repeat(32)}`;
const CHART_REPOSITORY = "helm/dagster/dagster-user-deployments";
const PASSWORD = "hunter2-registry";
let run: MockRun;
let registry: LocalRegistry;
let host: string;
const skip = registrySkipReason();
before(async () => {
  if (skip) return;
  registry = await startRegistry({ auth: { username: "deployer", password: PASSWORD } });
  host = registry.registry.replace("http://", "");
  // use_latest_chart_version: the highest stable version wins over the older one and the release candidate.
  for (const version of ["1.11.15", "1.11.16", "1.12.0-rc.1"]) {
    await pushChart(registry, CHART_REPOSITORY, "dagster-user-deployments", version, packChart("dagster-user-deployments", dagsterChartFiles(version)));
  }
  // The branch comes from the config here, whatever CI this runs on.
  for (const name of CI_BRANCH_VARIABLES) delete process.env[name];
  // CI on the main line, whatever this checkout is: the dev stack deploys main, and only from main.
  process.env.GITHUB_REF_NAME = "main";
  const files = readStackFiles(REPO_ROOT, "dev.feature-x");
  files.config["dagster-code-locations:branch"] = "Feature/X";
  files.config["dagster-code-locations:docker"] = JSON.stringify({
    ...JSON.parse(files.config["dagster-code-locations:docker"] ?? "{}"),
    image_tag: "1.11.16-7",
  });
  files.config["dagster-code-locations:docker"] = JSON.stringify({
    ...JSON.parse(files.config["dagster-code-locations:docker"] ?? "{}"),
    container_registry: registry.registry,
    use_az_login: false,
    username: "deployer",
  });
  files.config["dagster-code-locations:registry_password"] = PASSWORD;
  run = await runProgramUnderMocks({
    ...files,
    secretKeys: ["dagster-code-locations:registry_password"],
    stack: "dev.feature-x",
    cwd: REPO_ROOT,
    load: () => require("../index"),
    // What the registry would answer for the existing tag.
    computed: { [EXISTING_IMAGE_TYPE]: () => ({ digest: DIGEST }) },
  });
});
after(() => registry?.stop());

const only = (type: string): RecordedResource => onlyResource(run.resources, type);

describe("the program (index.ts under mocks)", { skip }, () => {
  it("deploys one release of dagster-user-deployments named after the deployment, inside the component", () => {
    const release = only("kubernetes:helm.sh/v3:Release");
    assert.equal(release.inputs.name, "example--feature-x");
    assert.equal(release.inputs.namespace, "dagster");
    assert.equal(release.inputs.createNamespace, true);
    assert.match(release.urn ?? "", /dagster-code-locations:index:CodeLocation\$kubernetes:helm\.sh\/v3:Release::code-location-release$/);
  });

  it("pins the existing tag by its digest, looked up with secret credentials, and builds nothing", () => {
    const existing = only(EXISTING_IMAGE_TYPE);
    assert.equal(existing.inputs.tag, "1.11.16-7");
    assert.equal(existing.inputs.repository, "example/example--feature-x");
    assert.deepEqual(existing.secretPaths, ["login"]);
    assert.equal(run.resources.filter((r) => r.type === "docker-build:index:Image").length, 0);
    assert.ok(!JSON.stringify(run.outputs).includes(PASSWORD));
  });

  it("holds exactly this one deployment, with the configured image", () => {
    const values = only("kubernetes:helm.sh/v3:Release").inputs.values as { deployments: { name: string; image: unknown }[] };
    assert.equal(values.deployments.length, 1);
    assert.equal(values.deployments[0]?.name, "example--feature-x");
    assert.deepEqual(values.deployments[0]?.image, {
      repository: `${host}/example/example--feature-x`,
      tag: `1.11.16-7@${DIGEST}`,
      pullPolicy: "IfNotPresent",
    });
  });

  it("waits for readiness and rolls back only this release on failure", () => {
    const inputs = only("kubernetes:helm.sh/v3:Release").inputs;
    assert.equal(inputs.atomic, true);
    assert.equal(inputs.cleanupOnFail, true);
    assert.notEqual(inputs.skipAwait, true);
  });

  it("pulls the latest chart from the team's registry and deploys it from a local copy without any schema", () => {
    const inputs = only("kubernetes:helm.sh/v3:Release").inputs;
    // Relative to the project, so the path, and so the release's inputs, are the same on every machine.
    const chart = String(inputs.chart);
    assert.match(chart, /^\.\/node_modules\/\.cache\/dagster-code-locations\/charts\/dagster-user-deployments\/1\.11\.16\/[0-9a-f]{64}\/no-schema\/dagster-user-deployments$/);
    assert.equal(inputs.version, undefined);
    assert.equal(inputs.repositoryOpts, undefined);
    const dir = path.join(REPO_ROOT, chart);
    assert.match(readFileSync(path.join(dir, "Chart.yaml"), "utf8"), /^version: 1\.11\.16$/m);
    assert.ok(existsSync(path.join(dir, "templates/deployment-user.yaml")));
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" });
    assert.deepEqual(files.filter((file) => file.endsWith("values.schema.json")), []);
  });

  it("gives Helm no credentials: it reads the chart from disk", () => {
    assert.equal(only("pulumi:providers:kubernetes").inputs.helmReleaseSettings, undefined);
    const release = only("kubernetes:helm.sh/v3:Release");
    assert.ok(!JSON.stringify(release.inputs).includes(PASSWORD));
    assert.deepEqual(release.secretPaths, []);
  });

  it("deploys through a Kubernetes provider for the configured context", () => {
    const provider = only("pulumi:providers:kubernetes");
    assert.equal(provider.inputs.context, "aks-dev");
    const release = only("kubernetes:helm.sh/v3:Release");
    assert.ok(release.provider?.startsWith(provider.urn ?? "missing"), `${release.provider} should be ${provider.urn}`);
  });

  it("checks the instance's Dagster version before anything is built or deployed", () => {
    const check = only(DAGSTER_VERSION_CHECK_TYPE);
    assert.deepEqual(check.inputs, { context: "aks-dev", namespace: "dagster", daemonDeployment: "dagster-daemon", dagsterVersion: "1.11.16" });
    // Registered first: the engine runs resources that depend on it only after its check passed.
    assert.ok(run.resources.indexOf(check) < run.resources.indexOf(only("kubernetes:helm.sh/v3:Release")));
  });

  it("registers the location in the instance's workspace, owned by this stack, after the release", () => {
    const entry = only(WORKSPACE_ENTRY_TYPE);
    assert.deepEqual(entry.inputs, {
      context: "aks-dev",
      namespace: "dagster",
      configMapName: "dagster-workspace-yaml",
      entry: { locationName: "example:feature-x", host: "example--feature-x", port: 3030 },
      owner: "dagster-code-locations/dev.feature-x",
      adoptUnowned: false,
      restart: { webserver: "dagster-dagster-webserver", daemon: "dagster-daemon" },
      reload: { mode: "reload", service: "dagster-dagster-webserver", port: 80, timeoutSeconds: 120, uiUrl: "http://dagster.dev/locations/example:feature-x/assets" },
      // A new image is a new code server: the entry is checked and the webserver reloaded again.
      codeVersion: `${host}/example/example--feature-x:1.11.16-7@${DIGEST}`,
    });
    assert.ok(run.resources.indexOf(entry) > run.resources.indexOf(only("kubernetes:helm.sh/v3:Release")));
  });

  it("generates values that Dagster's chart schema accepts", () => {
    const validate = compileValuesSchema(JSON.parse(readSharedChartFile("values.schema.json")), parse(readSharedChartFile("values.yaml")));
    assert.deepEqual(validate(only("kubernetes:helm.sh/v3:Release").inputs.values), []);
  });

  it("exports the names, the image and the link into the Dagster UI", () => {
    assert.deepEqual(run.outputs, {
      deploymentName: "example--feature-x",
      locationName: "example:feature-x",
      image: `${host}/example/example--feature-x:1.11.16-7@${DIGEST}`,
      branch: "feature-x",
      releaseName: "example--feature-x",
      namespace: "dagster",
      locationUrl: "http://dagster.dev/locations/example:feature-x/assets",
      // Counted by the webserver after the reload: a preview cannot know them.
      definitions: UNKNOWN_OUTPUT,
    });
  });
});
