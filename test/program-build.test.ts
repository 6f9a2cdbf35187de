import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { onlyResource, runProgramUnderMocks, type MockRun, type RecordedResource } from "../cli/programUnderMocks";
import { IMAGE_VERSION_TYPE } from "../components/imageVersion";
import { CI_BRANCH_VARIABLES } from "../lib/plan/branch";
import { readStackFiles } from "../lib/config/stackFiles";
import { REPO_ROOT } from "./support/repo";

// The real index.ts under mocks, building the example code location for the dev stack, with
// Azure login on (the seed's default), and docker_env_vars with one value taken from the environment.
const DIGEST = `sha256:${"cd".repeat(32)}`;
const AZURE_TOKEN = "aad-token-never-in-plain-text";
let run: MockRun;

before(async () => {
  // The branch comes from the config here, whatever CI this runs on.
  for (const name of CI_BRANCH_VARIABLES) delete process.env[name];
  // CI on the main line, whatever this checkout is: the dev stack deploys main, and only from main.
  process.env.GITHUB_REF_NAME = "main";
  process.env.TOKEN = "from-the-environment";
  // The chart is not what this file tests: leave it unresolved (test/program.test.ts pulls it).
  process.env.DAGSTER_CODE_LOCATIONS_OFFLINE = "1";
  const files = readStackFiles(REPO_ROOT, "dev");
  files.config["dagster-code-locations:branch"] = "main";
  files.config["dagster-code-locations:docker"] = JSON.stringify({
    ...JSON.parse(files.config["dagster-code-locations:docker"] ?? "{}"),
    docker_env_vars: ["TOKEN", "FOO='string'"],
  });
  run = await runProgramUnderMocks({
    ...files,
    stack: "dev",
    cwd: REPO_ROOT,
    load: () => require("../index"),
    computed: {
      [IMAGE_VERSION_TYPE]: () => ({ tag: "1.11.16-12" }),
      "docker-build:index:Image": () => ({ digest: DIGEST }),
    },
    calls: { "azure-native:authorization:getClientToken": () => ({ token: AZURE_TOKEN }) },
  });
});

const only = (type: string): RecordedResource => onlyResource(run.resources, type);

describe("the program building its image (index.ts under mocks)", () => {
  it("allocates the version from the registry, keyed by a hash of the source", () => {
    const version = only(IMAGE_VERSION_TYPE);
    assert.equal(version.inputs.registry, "dagster-uc.dev.acr.io");
    assert.equal(version.inputs.repository, "example/example--main");
    assert.equal(version.inputs.dagsterVersion, "1.11.16");
    assert.match(String(version.inputs.sourceHash), /^sha256:[0-9a-f]{64}$/);
    assert.match(version.urn ?? "", /dagster-code-locations:index:CodeImage\$pulumi-nodejs:dynamic\/dagster-code-locations:ImageVersion::/);
  });

  it("builds the repository root with the stack's Dockerfile, BRANCH_NAME and the env vars appended", () => {
    const image = only("docker-build:index:Image");
    assert.deepEqual(image.inputs.context, { location: REPO_ROOT });
    const dockerfile = (image.inputs.dockerfile as { inline: string }).inline;
    assert.ok(dockerfile.startsWith("# The example code location's image for the dev environment"));
    assert.match(dockerfile, /\nARG TOKEN\nENV TOKEN=\$\{TOKEN\}\nARG FOO\nENV FOO=\$\{FOO\}\n$/);
    assert.deepEqual(image.inputs.buildArgs, { BRANCH_NAME: "main", TOKEN: "from-the-environment", FOO: "'string'" });
    assert.deepEqual(image.inputs.platforms, ["linux/amd64"]);
    assert.deepEqual(image.inputs.tags, ["dagster-uc.dev.acr.io/example/example--main:1.11.16-12"]);
    assert.equal(image.inputs.buildOnPreview, false);
  });

  it("pushes with OCI media types and keeps a registry build cache next to the image", () => {
    const image = only("docker-build:index:Image");
    assert.deepEqual(image.inputs.exports, [{ registry: { ociMediaTypes: true, insecure: false } }]);
    const cache = "dagster-uc.dev.acr.io/example/example--main:buildcache";
    assert.deepEqual(image.inputs.cacheFrom, [{ registry: { ref: cache } }]);
    assert.deepEqual(image.inputs.cacheTo, [{ registry: { ref: cache, mode: "max", imageManifest: true, ociMediaTypes: true } }]);
  });

  it("deploys the built image pinned by digest", () => {
    const values = only("kubernetes:helm.sh/v3:Release").inputs.values as { deployments: { image: { repository: string; tag: string } }[] };
    assert.deepEqual(values.deployments[0]?.image, {
      repository: "dagster-uc.dev.acr.io/example/example--main",
      tag: `1.11.16-12@${DIGEST}`,
      pullPolicy: "IfNotPresent",
    });
  });

  it("logs in to ACR as the refresh-token user; a preview carries no password and pushes nothing", () => {
    const image = only("docker-build:index:Image");
    assert.deepEqual(image.inputs.registries, [{ address: "dagster-uc.dev.acr.io", username: "00000000-0000-0000-0000-000000000000" }]);
  });

  it("keeps the Azure token a secret in every input that carries it", () => {
    assert.deepEqual(only(IMAGE_VERSION_TYPE).secretPaths, ["login"]);
    for (const resource of run.resources) {
      const plain = JSON.stringify(resource.inputs).includes(AZURE_TOKEN);
      if (plain) assert.ok(resource.secretPaths.length > 0, `${resource.name} holds the token outside a secret`);
    }
    assert.ok(!JSON.stringify(run.outputs).includes(AZURE_TOKEN));
  });

  it("sends a build arg taken from the environment as a secret, literal ones in plain", () => {
    const image = only("docker-build:index:Image");
    assert.ok(image.secretPaths.includes("buildArgs.TOKEN"), image.secretPaths.join(", "));
    assert.ok(!image.secretPaths.includes("buildArgs.FOO"));
    // The push credentials, unknown in a preview, are secret too.
    assert.ok(image.secretPaths.includes("registries"), image.secretPaths.join(", "));
    assert.ok(!(image.inputs.dockerfile as { inline: string }).inline.includes("from-the-environment"));
  });
});
