// The steps of .github/workflows/branch-deployments.yml that talk to GitHub (actions/github-script):
// the pull request's one status comment, and the branch's GitHub deployment. The comment's text
// comes from `npm run -s stacks -- comment`; this only finds, writes and deactivates.
"use strict";
const { execFileSync } = require("node:child_process");

const MARKER = "<!-- dagster-code-locations:branch-deployment -->";

/** The comment's Markdown, from the run's files (`stacks comment` options, without the command). */
function commentBody(options, cwd = process.cwd()) {
  return execFileSync("npm", ["run", "-s", "stacks", "--", "comment", ...options], { cwd, encoding: "utf8" });
}

/**
 * Writes `body` as the PR's status comment: updates ours, or creates it unless `onlyUpdate`. A run
 * never overwrites a comment written by a newer run (a superseded run that ends late, cancelled).
 */
async function upsertComment({ github, context, body, runId, onlyUpdate = false }) {
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const mine = comments.find((c) => typeof c.body === "string" && c.body.startsWith(MARKER));
  const writtenBy = Number(/^<!-- run (\d+) -->$/m.exec(mine?.body ?? "")?.[1] ?? 0);
  if (mine && writtenBy > Number(runId)) return "kept newer";
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return "updated";
  }
  if (onlyUpdate) return "none";
  await github.rest.issues.createComment({ owner, repo, issue_number, body });
  return "created";
}

/** The branch is removed: its GitHub deployments stop showing as active on the PR. */
async function deactivateDeployments({ github, context, environment }) {
  const { owner, repo } = context.repo;
  const deployments = await github.paginate(github.rest.repos.listDeployments, { owner, repo, environment, per_page: 100 });
  for (const d of deployments) await github.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: d.id, state: "inactive" });
  return deployments.length;
}

/** Other runs of this workflow for the branch that have not finished: a destroy waits for them. */
async function runningDeploys({ github, context, branch, workflowFile = "branch-deployments.yml" }) {
  const { owner, repo } = context.repo;
  const { data } = await github.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: workflowFile, branch, event: "pull_request", per_page: 50 });
  return data.workflow_runs.filter((r) => r.id !== context.runId && r.status !== "completed");
}

module.exports = { MARKER, commentBody, upsertComment, deactivateDeployments, runningDeploys };
