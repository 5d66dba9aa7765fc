#!/bin/bash
# t_git.sh: git send-email with postie as its SMTP program, against the
# real Postfix + Dovecot test server.
#
# "--smtp-server=PATH" makes git send-email pipe each patch into
# "PATH -i RCPT..." (plus "-f ADDR" with --envelope-sender).  A throwaway
# repository yields two patches; both must arrive, threaded, with their
# diffs intact.  Output is TAP; exit 0 when all pass.
# Packages: git, git-email, libmailtools-perl.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap"
. "$here/../lib/realserver"
. "$here/../lib/realtest"

git send-email -h 2>&1 | grep -q -- --smtp-server ||
    tap_skip_all "git send-email unusable (git-email, libmailtools-perl)"
rt_setup
. "$here/lib"
tap_plan 4

rt_account "$SUBMISSION_PORT" | rt_rc "$RT_WORK/rc/git"
sm=$(cl_wrapper "$RT_WORK/rc/git")

export HOME=$RT_WORK GIT_CONFIG_NOSYSTEM=1
repo=$RT_WORK/repo
{
	git init -q "$repo" &&
	    git -C "$repo" config user.name "Patch Author" &&
	    git -C "$repo" config user.email author@example.org &&
	    printf 'one\n' >"$repo/f" && git -C "$repo" add f &&
	    git -C "$repo" commit -qm "Start f" &&
	    printf '.\ntwo\n' >>"$repo/f" &&
	    git -C "$repo" commit -qam "Add a dot line and two" &&
	    printf 'three\n' >>"$repo/f" &&
	    git -C "$repo" commit -qam "Add three" &&
	    git -C "$repo" format-patch -q -2 -o "$RT_WORK/patches"
} >"$RT_WORK/git.err" 2>&1 || tap_bail "git: $(head -c 300 "$RT_WORK/git.err")"

rs_clear
(cd "$repo" && timeout 120 git send-email --smtp-server="$sm" \
    --to=alice@example.org --from="Patch Author <author@example.org>" \
    --envelope-sender=sender@example.org --suppress-cc=all \
    --confirm=never --quiet "$RT_WORK"/patches/*.patch) \
    >"$RT_WORK/send.out" 2>"$RT_WORK/send.err"
rc=$?
[ "$rc" -eq 0 ] ||
    tap_why "git send-email exit $rc: $(head -c 300 "$RT_WORK/send.err")"
case " $(cl_argv) " in
*" -i "*"alice@example.org"*) ;;
*) tap_why "sendmail argv '$(cl_argv)'" ;;
esac
tap_check "git send-email exits 0 after running postie for each patch"

why=$(rs_wait_messages 2) || tap_why "$why"
tap_check "both patches are delivered"

first="" second=""
for f in $(rs_messages); do
	case $(rs_header "$f" Subject) in
	"[PATCH 1/2] Add a dot line and two") first=$f ;;
	"[PATCH 2/2] Add three") second=$f ;;
	esac
done
if [ -n "$first" ] && [ -n "$second" ]; then
	cl_header_is "$first" Return-Path "<sender@example.org>"
	cl_header_is "$first" From "Patch Author <author@example.org>"
	id=$(rs_header "$first" Message-Id)
	cl_header_is "$second" In-Reply-To "$id"
else
	tap_why "subjects: $(for f in $(rs_messages); do
	    rs_header "$f" Subject; done | tr '\n' '|')"
fi
tap_check "the patches keep their sender, author and threading"

if [ -n "$first" ]; then
	cl_body_has "$first" "+."
	cl_body_has "$first" "+two"
else
	tap_why "the first patch did not arrive"
fi
tap_check "the diff arrives intact, dot line included"

tap_done
