// The GitHub steps of the branch-deployments workflow (.github/scripts/pr-comment.cjs), run against
// a stand-in of the Octokit client github-script passes: the comment's life over a PR's runs.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

interface Comment {
  id: number;
  body: string;
}
interface Scripts {
  MARKER: string;
  commentBody(options: string[], cwd?: string): string;
  upsertComment(args: { github: FakeGitHub; context: typeof CONTEXT; body: string; runId: string; onlyUpdate?: boolean }): Promise<string>;
  deactivateDeployments(args: { github: FakeGitHub; context: typeof CONTEXT; environment: string }): Promise<number>;
  runningDeploys(args: { github: FakeGitHub; context: typeof CONTEXT; branch: string }): Promise<{ id: number }[]>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the workflow loads it with require, as this does
const scripts = require("../.github/scripts/pr-comment.cjs") as Scripts;

const ROOT = path.join(__dirname, "..");
const CONTEXT = { repo: { owner: "acme", repo: "dagster-repo" }, issue: { number: 42 }, runId: 1002, workflow: "Branch deployments" };

/** What the workflow's steps call of Octokit, with its shapes: paginate returns the items; others `{ data }`. */
class FakeGitHub {
  comments: Comment[] = [{ id: 1, body: "LGTM" }];
  deployments = [{ id: 7, environment: "dagster-pr-42" }, { id: 8, environment: "dagster-pr-42" }];
  statuses: { deployment_id: number; state: string }[] = [];
  runs = [
    { id: 1001, status: "in_progress", html_url: "https://gh/run/1001" },
    { id: 1002, status: "in_progress", html_url: "https://gh/run/1002" },
    { id: 990, status: "completed", html_url: "https://gh/run/990" },
  ];
  workflowIds: string[] = [];
  private nextId = 100;
  readonly rest = {
    issues: {
      listComments: async (p: { issue_number: number }) => ({ data: p.issue_number === 42 ? this.comments : [] }),
      updateComment: async (p: { comment_id: number; body: string }) => {
        const c = this.comments.find((x) => x.id === p.comment_id);
        assert.ok(c, "updates an existing comment");
        c.body = p.body;
        return { data: c };
      },
      createComment: async (p: { body: string }) => {
        const c = { id: this.nextId++, body: p.body };
        this.comments.push(c);
        return { data: c };
      },
    },
    repos: {
      listDeployments: async (p: { environment: string }) => ({ data: this.deployments.filter((d) => d.environment === p.environment) }),
      createDeploymentStatus: async (p: { deployment_id: number; state: string }) => {
        this.statuses.push({ deployment_id: p.deployment_id, state: p.state });
        return { data: {} };
      },
    },
    actions: {
      listWorkflowRuns: async (p: { workflow_id: string }) => {
        this.workflowIds.push(p.workflow_id);
        return { data: { workflow_runs: this.runs } };
      },
    },
  };
  async paginate<P, T>(method: (params: P) => Promise<{ data: T[] }>, params: P): Promise<T[]> {
    return (await method(params)).data;
  }
  ours(): Comment[] {
    return this.comments.filter((c) => c.body.startsWith(scripts.MARKER));
  }
}

describe("the branch deployment's GitHub steps", () => {
  it("keep one comment true over a PR's runs: deploying, live, a newer push, and the superseded run ending late", async () => {
    const github = new FakeGitHub();
    const dir = mkdtempSync(path.join(tmpdir(), "gh-steps-"));
    try {
      const body = (options: string[]) => scripts.commentBody(["--branch", "feat/a", ...options], ROOT);
      const deploying = (run: string) => scripts.commentBody(["--phase", "deploying", "--branch", "feat/a", "--run-id", run], ROOT);
      assert.equal(await scripts.upsertComment({ github, context: CONTEXT, body: deploying("10"), runId: "10" }), "created");
      const report = path.join(dir, "report.json");
      writeFileSync(report, JSON.stringify({ command: "up", stack: "dev.feat-a", branch: "feat/a", status: "succeeded", startedAt: "2026-12-03T10:00:00Z", durationSeconds: 61, location: { name: "example:feat-a" } }));
      const live = body(["--phase", "finished", "--report", report, "--outcome", "success", "--run-id", "10"]);
      assert.equal(await scripts.upsertComment({ github, context: CONTEXT, body: live, runId: "10" }), "updated");
      assert.match(github.ours()[0]?.body ?? "", /is live \(stack `dev.feat-a`, 1 min 1 s\)/);
      assert.equal(await scripts.upsertComment({ github, context: CONTEXT, body: deploying("11"), runId: "11" }), "updated");
      const lateCancel = body(["--phase", "finished", "--report", path.join(dir, "none.json"), "--outcome", "cancelled", "--run-id", "10"]);
      assert.equal(await scripts.upsertComment({ github, context: CONTEXT, body: lateCancel, runId: "10" }), "kept newer");
      assert.equal(github.ours().length, 1);
      assert.match(github.ours()[0]?.body ?? "", /Deploying/);
      assert.equal(github.comments[0]?.body, "LGTM", "other comments untouched");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a destroy only updates an existing comment, and marks the branch's deployments inactive", async () => {
    const github = new FakeGitHub();
    assert.equal(await scripts.upsertComment({ github, context: CONTEXT, body: `${scripts.MARKER}\nremoved`, runId: "12", onlyUpdate: true }), "none");
    assert.equal(github.ours().length, 0);
    assert.equal(await scripts.deactivateDeployments({ github, context: CONTEXT, environment: "dagster-pr-42" }), 2);
    assert.deepEqual(github.statuses, [{ deployment_id: 7, state: "inactive" }, { deployment_id: 8, state: "inactive" }]);
  });

  it("a destroy waits for this workflow's other unfinished runs of the branch, by workflow file", async () => {
    const github = new FakeGitHub();
    const running = await scripts.runningDeploys({ github, context: CONTEXT, branch: "feat/a" });
    assert.deepEqual(running.map((r) => r.id), [1001]);
    assert.deepEqual(github.workflowIds, ["branch-deployments.yml"]);
  });
});
