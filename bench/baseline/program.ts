/**
 * The baseline of the program-evaluation benchmark: the least a program that deploys one built
 * image as one Helm release can do. It loads the same three SDKs as index.ts and registers one
 * Provider, one Image and one Release, with none of our settings, naming, hashing or registry logic.
 */
import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const provider = new k8s.Provider("k8s", { context: "aks-dev", namespace: "dagster" });
const image = new dockerBuild.Image("image", {
  context: { location: "." },
  dockerfile: { location: "docker/dev.Dockerfile" },
  platforms: ["linux/amd64"],
  push: true,
  tags: ["dagster-uc.dev.acr.io/example/example--main:1.11.16-1"],
});
const release = new k8s.helm.v3.Release(
  "release",
  {
    name: "example--main",
    namespace: "dagster",
    chart: "dagster-user-deployments",
    version: "1.11.16",
    repositoryOpts: { repo: "https://dagster-io.github.io/helm" },
    values: { deployments: [{ name: "example--main", image: { repository: "dagster-uc.dev.acr.io/example/example--main", tag: pulumi.interpolate`1.11.16-1@${image.digest}` } }] },
  },
  { provider },
);

export const releaseName = release.name;
