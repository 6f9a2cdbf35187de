#!/usr/bin/env bash
# Writes the pull request's one status comment (Markdown on stdin) as a thread of the Azure Repos PR:
# updates the thread whose first comment starts with the marker, or starts one. A run never
# overwrites a comment written by a newer run (a superseded run that ends late, cancelled).
# Needs SYSTEM_ACCESSTOKEN ("Contribute to pull requests") and the predefined PR variables.
set -euo pipefail

marker='<!-- dagster-code-locations:branch-deployment -->'
body="$(cat)"
run_id="${BUILD_BUILDID:?}"
threads="${SYSTEM_COLLECTIONURI:?}${SYSTEM_TEAMPROJECTID:?}/_apis/git/repositories/${BUILD_REPOSITORY_ID:?}/pullRequests/${SYSTEM_PULLREQUEST_PULLREQUESTID:?}/threads"
auth=(-H "Authorization: Bearer ${SYSTEM_ACCESSTOKEN:?}" -H "Content-Type: application/json")

found="$(curl -fsS --retry 3 "${auth[@]}" "$threads?api-version=7.1" |
  jq -r --arg m "$marker" '[.value[] | select((.comments[0].content // "") | startswith($m))][0] // empty
    | "\(.id) \(.comments[0].id) \((.comments[0].content | capture("<!-- run (?<n>[0-9]+) -->").n) // "0")"')"
if [ -n "$found" ]; then
  read -r thread comment written_by <<<"$found"
  if [ "$written_by" -gt "$run_id" ]; then
    echo "the comment is from a newer run ($written_by); leaving it"
    exit 0
  fi
  jq -n --arg c "$body" '{content: $c}' |
    curl -fsS --retry 3 "${auth[@]}" -X PATCH --data @- "$threads/$thread/comments/$comment?api-version=7.1" >/dev/null
else
  jq -n --arg c "$body" '{comments: [{parentCommentId: 0, content: $c, commentType: 1}], status: 1}' |
    curl -fsS --retry 3 "${auth[@]}" -X POST --data @- "$threads?api-version=7.1" >/dev/null
fi
