#!/bin/sh
# Post or update gitfleet's sticky plan comment on a pull request (GitHub, or
# Gitea/Forgejo: their issue-comment APIs have the same shape). Run it after
#   gitfleet plan [DIR] --format markdown --comments-dir "$DIR" ...
# It finds the comments that start with gitfleet's marker (<!-- gitfleet-plan),
# updates them in order with plan-1.md, plan-2.md, ..., creates the missing ones
# and deletes the ones left over from a longer plan: one comment per part,
# one comment in the usual case, never a new comment per push.
#
#   API       https://api.github.com, or https://gitea.example.com/api/v1
#   REPO      owner/name
#   PR        the pull request's number
#   TOKEN     a token that may write comments on pull requests
#   DIR       the --comments-dir of gitfleet plan (default plan)
# Needs curl and jq.
set -eu
: "${API:?}" "${REPO:?}" "${PR:?}" "${TOKEN:?}"
DIR=${DIR:-plan}
auth="Authorization: token $TOKEN"

existing=$(curl -fsS -H "$auth" "$API/repos/$REPO/issues/$PR/comments?per_page=100" |
  jq -r '[.[] | select(.body | startswith("<!-- gitfleet-plan")) | .id] | sort | .[]')

i=1
for part in $(ls "$DIR"/plan-*.md | sort -t- -k2 -n); do
  body=$(jq -Rs '{body: .}' <"$part")
  id=$(printf '%s\n' $existing | sed -n "${i}p")
  if [ -n "$id" ]; then
    curl -fsS -X PATCH -H "$auth" -H 'Content-Type: application/json' \
      -d "$body" "$API/repos/$REPO/issues/comments/$id" >/dev/null
  else
    curl -fsS -X POST -H "$auth" -H 'Content-Type: application/json' \
      -d "$body" "$API/repos/$REPO/issues/$PR/comments" >/dev/null
  fi
  i=$((i + 1))
done
# Parts of an earlier, longer plan.
for id in $(printf '%s\n' $existing | sed -n "${i},\$p"); do
  curl -fsS -X DELETE -H "$auth" "$API/repos/$REPO/issues/comments/$id" >/dev/null
done
