#!/usr/bin/env bash
# Push archive/ as the only commit of the archive branch, replacing the last one: a post that was
# withdrawn, gone (410) or forgotten is then in no commit of any branch. main never holds the
# archive; what changed goes to the job summary instead. Shared by the publish workflow's build
# and webmention jobs. The argument is the log whose last line becomes the commit's subject.
# From the environment: ARCHIVE_BRANCH, RUNNER_TEMP, GITHUB_STEP_SUMMARY, the committer, and a
# credential helper that answers with GITHUB_TOKEN.
set -eo pipefail

log="$1"
index="$RUNNER_TEMP/archive.index"
rm -f "$index"
git_dir=$(git rev-parse --absolute-git-dir)
(cd archive && GIT_INDEX_FILE="$index" git --git-dir="$git_dir" --work-tree=. add -- '*.json')
tree=$(GIT_INDEX_FILE="$index" git write-tree)
before=$(git rev-parse -q --verify "refs/remotes/origin/$ARCHIVE_BRANCH^{tree}" || true)
if [ "$tree" = "$before" ]; then
  echo "The archive is unchanged: nothing to push."
  exit 0
fi
summary=$(tail -n 1 "$log" 2>/dev/null || true)
commit=$(git commit-tree "$tree" -m "Archive update: ${summary:-new feed data}")
if [ -n "$before" ]; then
  { printf '## What this run changed in the archive\n\n```\n'
    git diff --stat "$before" "$tree" | tail -n 30
    printf '```\n'; } >> "$GITHUB_STEP_SUMMARY"
fi
git push --quiet --force origin "$commit:refs/heads/$ARCHIVE_BRANCH"
git log -1 --format='Pushed %h: %s' "$commit"
