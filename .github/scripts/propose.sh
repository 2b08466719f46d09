#!/usr/bin/env bash
# Propose the change a bot step made to one file as a pull request, and say so in the reply.
# Shared by the join and withdraw workflows. Everything comes from the environment:
#   FILE      the changed file (feeds.opml, moderation.yml)
#   BRANCH    the pull request's branch
#   MESSAGE   the commit message; TITLE the pull request's title
#   REPLY     the reply written for the issue; it becomes the pull request's body
#   ISSUE_NUMBER, GITHUB_REF_NAME, GH_TOKEN, GH_REPO as GitHub gives them
#
# A branch that exists already (the issue was edited) gets a new commit on top: what a reviewer
# approved stays in the history, and the pull request says that it changed after review. Nothing
# is ever force-pushed.
set -eo pipefail

if git diff --quiet -- "$FILE"; then
  echo "$FILE already says this: no pull request needed."
  exit 0
fi
proposed="$RUNNER_TEMP/proposed"
cp "$FILE" "$proposed"
edited=no
if git fetch --quiet --no-tags origin "refs/heads/$BRANCH" 2>/dev/null; then
  edited=yes
  git checkout --quiet -- "$FILE"
  git switch --quiet -C "$BRANCH" FETCH_HEAD
  cp "$proposed" "$FILE"
else
  git switch --quiet -C "$BRANCH"
fi
if git diff --quiet -- "$FILE"; then
  echo "The pull request's branch already says this: nothing to add."
else
  git commit --quiet -m "$MESSAGE" -- "$FILE"
  git push --quiet origin "$BRANCH"
fi

body="$RUNNER_TEMP/pr.md"
: > "$body"
if [ "$edited" = yes ]; then
  reviews=$(gh pr view "$BRANCH" --json reviews --jq '.reviews | length' 2>/dev/null || echo 0)
  if [ "${reviews:-0}" != 0 ]; then
    printf '**Changed after review:** the issue was edited and this pull request got a new commit (%s). A review given before it did not see this change.\n\n' \
      "$(git rev-parse --short HEAD)" >> "$body"
  fi
fi
{ cat "$REPLY"; printf '\nCloses #%s\n' "$ISSUE_NUMBER"; } >> "$body"
if gh pr view "$BRANCH" --json url --jq .url > "$RUNNER_TEMP/pr-url" 2>/dev/null; then
  gh pr edit "$BRANCH" --body-file "$body"
else
  gh pr create --base "$GITHUB_REF_NAME" --head "$BRANCH" --title "$TITLE" --body-file "$body" > "$RUNNER_TEMP/pr-url"
fi
printf '\nThe pull request: %s\n' "$(cat "$RUNNER_TEMP/pr-url")" >> "$REPLY"
