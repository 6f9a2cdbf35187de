/**
 * Benchmark 3: `next-tag` against Debian's docker-registry on loopback holding 5,000 tags, compared
 * with `skopeo list-tags` and `podman search --list-tags` (what dagster-uc runs).
 */
import * as path from "node:path";
import { RegistryClient } from "../lib/registry/client";
import { nextVersion } from "../lib/registry/nextTag";
import { seedTags, startRegistry } from "../test/support/docker-registry";
import { compare, REPO_ROOT, timed, timedCli, timedNode, type Case, type CaseResult, type Sample } from "./measure";

const REPOSITORY = "example/example--main";
const DAGSTER_VERSION = "1.11.16";

export interface TagsResult {
  readonly tags: number;
  readonly nextTag: string;
  readonly results: CaseResult[];
}

export async function tagsBench(tagCount: number, runs: number): Promise<TagsResult> {
  const registry = await startRegistry();
  try {
    const tags = Array.from({ length: tagCount }, (_, i) => `${DAGSTER_VERSION}-${i + 1}`);
    await seedTags(registry, REPOSITORY, tags);
    const host = registry.origin.replace(/^http:\/\//, "");
    const nextTagArgs = ["next-tag", "--registry", registry.registry, "--repository", REPOSITORY, "--dagster-version", DAGSTER_VERSION];
    // Every sample is checked: a fast wrong answer (one page of tags) must not win.
    const verified = (name: string, run: () => Promise<Sample & { stdout: string }>, ok: (stdout: string) => boolean) => async () => {
      const sample = await run();
      if (!ok(sample.stdout)) throw new Error(`${name} gave an unexpected answer: ${sample.stdout.slice(0, 200)}`);
      return sample;
    };
    const count = (stdout: string) => (stdout.match(new RegExp(`${DAGSTER_VERSION.replace(/\./g, "\\.")}-\\d+`, "g")) ?? []).length;
    const expected = `${DAGSTER_VERSION}-${tagCount + 1}`;
    const cases: Case[] = [
      {
        name: "podman search --list-tags (dagster-uc)",
        command: `podman search --list-tags --limit 9999999 --tls-verify=false 127.0.0.1:PORT/${REPOSITORY}`,
        run: verified("podman", () => timed("podman", ["search", "--list-tags", "--limit", "9999999", "--tls-verify=false", `${host}/${REPOSITORY}`]), (out) => count(out) === tagCount),
      },
      { name: "skopeo list-tags", command: `skopeo list-tags --tls-verify=false docker://127.0.0.1:PORT/${REPOSITORY}`, run: verified("skopeo", () => timed("skopeo", ["list-tags", "--tls-verify=false", `docker://${host}/${REPOSITORY}`]), (out) => count(out) === tagCount) },
      {
        name: "next-tag",
        command: `node dist/cli/main.js next-tag --registry http://127.0.0.1:PORT --repository ${REPOSITORY} --dagster-version ${DAGSTER_VERSION}`,
        run: verified("next-tag", () => timedCli(nextTagArgs.slice(), { probe: true }), (out) => out.trim() === expected),
      },
      {
        name: "next-tag, command module only",
        command: "node bench/next-tag-only.cjs --registry ... (same flags)",
        run: verified("next-tag-only", () => timedNode(path.join(REPO_ROOT, "bench/next-tag-only.cjs"), nextTagArgs.slice(1)), (out) => out.trim() === expected),
      },
      {
        name: "next-tag lookup in-process (listTags + nextVersion)",
        command: "new RegistryClient({registry}).listTags(repo) in the bench process",
        run: async () => {
          const start = process.hrtime.bigint();
          const next = nextVersion(await new RegistryClient({ registry: registry.registry, credentials: { kind: "anonymous" } }).listTags(REPOSITORY), DAGSTER_VERSION);
          if (next !== expected) throw new Error(`listTags gave next tag ${next}, expected ${expected}`);
          return { ms: Number(process.hrtime.bigint() - start) / 1e6 };
        },
      },
    ];
    return { tags: tagCount, nextTag: expected, results: await compare(cases, runs) };
  } finally {
    await registry.stop();
  }
}
