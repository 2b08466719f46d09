#!/usr/bin/env bash
# Restore archive/ from the archive branch, whose history is one commit. Only the very first run,
# before that branch exists, starts from the archive/ of the checkout. Shared by the publish
# workflow's build and webmention jobs. From the environment: ARCHIVE_BRANCH, and a credential
# helper that answers with GITHUB_TOKEN (the checkout keeps no token).
set -eo pipefail

ref="refs/remotes/origin/$ARCHIVE_BRANCH"
if git fetch --quiet --no-tags --depth=1 origin "+refs/heads/$ARCHIVE_BRANCH:$ref" 2>/dev/null; then
  rm -rf archive && mkdir archive
  git archive --format=tar "$ref" | tar -x -C archive
  echo "Restored archive/ from the $ARCHIVE_BRANCH branch ($(git rev-parse --short "$ref"))."
else
  echo "No $ARCHIVE_BRANCH branch yet: this first run starts from the archive/ of the checkout."
fi
