#!/bin/sh
# t_docs.sh - the manual documents every option and rc key, renders
# without warnings, and the sources pass scripts/checksrc.
#
# Options are read from the cli_opts table in src/cli_opts.c (each row
# names its options as 'x' and "--name" literals), keys from the
# conf_keys table in src/conf_table.c (each row starts with
# { "name", ...).  Each must appear in bold in man/postie.1.  Output is
# TAP; exit 0 when every test passes, else 1.
#
# The inputs can be replaced for testing this script itself:
#   CLI_C, CONF_C, CONF_H, MAN_PAGE, CHECKSRC

root=${POSTIE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CLI_C=${CLI_C:-$root/src/cli_opts.c}
CONF_C=${CONF_C:-$root/src/conf_table.c}
CONF_H=${CONF_H:-$root/src/conf.h}
MAN_PAGE=${MAN_PAGE:-$root/man/postie.1}
CHECKSRC=${CHECKSRC:-$root/scripts/checksrc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_docs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

n=0
failed=0
# Results are collected first so that the plan can be printed first.
results=$tmp/results

ok() {
	n=$((n + 1))
	echo "ok $n - $1" >>"$results"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1" >>"$results"
	shift
	for line in "$@"; do
		echo "# $line" >>"$results"
	done
}

# Diagnostics from a file, each line prefixed.
not_ok_file() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1" >>"$results"
	sed 's/^/# /' "$2" >>"$results"
}

# Option names from the cli_opts table: 'x' -> -x, "--name" -> --name.
extract_options() {
	awk '
	/cli_opts\[[^]]*\][ \t]*=[ \t]*\{/ { intable = 1; next }
	intable && /^\};/ { exit }
	intable {
		line = $0
		while (match(line, /\047[A-Za-z0-9]\047/)) {
			print "-" substr(line, RSTART + 1, 1)
			line = substr(line, RSTART + RLENGTH)
		}
		line = $0
		while (match(line, /"--[A-Za-z0-9][A-Za-z0-9-]*"/)) {
			print substr(line, RSTART + 1, RLENGTH - 2)
			line = substr(line, RSTART + RLENGTH)
		}
	}' "$1" | sort -u
}

# Key names from the conf_keys table: the first string of each row.
extract_keys() {
	"$root/tests/lib/conf-keys" "$1" | sort -u
}

# Members of enum conf_key in conf.h, without the *_LAST sentinel.
count_enum_keys() {
	awk '
	/^enum conf_key[ \t]*\{/ { inenum = 1; next }
	inenum && /^\};/ { exit }
	inenum && /^[ \t]*CONF_[A-Z0-9_]+/ && !/_LAST/ { n++ }
	END { print n + 0 }' "$1"
}

# Every run of bold text in a man(7) source, one per line, with font
# escapes removed and \- turned into -.
bold_runs() {
	awk '
	function flush() {
		if (run != "")
			print run
		run = ""
	}
	function fontclass(name) {
		if (name == "P" || name == "")
			return "P"
		return name ~ /B/ ? "B" : "R"
	}
	function setfont(f,   t) {
		if (f == "P") {
			t = font; font = prev; prev = t
		} else {
			prev = font; font = f
		}
		if (font != "B")
			flush()
	}
	function scan(s,   i, n, c, d, e, j, name, ch) {
		n = length(s)
		i = 1
		while (i <= n) {
			c = substr(s, i, 1)
			if (c != "\\" || i == n) {
				ch = c
				i++
			} else {
				d = substr(s, i + 1, 1)
				if (d == "f") {
					e = substr(s, i + 2, 1)
					if (e == "(") {
						name = substr(s, i + 3, 2)
						i += 5
					} else if (e == "[") {
						j = index(substr(s, i + 3), "]")
						name = substr(s, i + 3, j - 1)
						i += 3 + j
					} else {
						name = e
						i += 3
					}
					setfont(fontclass(name))
					continue
				}
				if (d == "\"")
					break
				if (d == "&" || d == "c" || d == ")") {
					i += 2
					continue
				}
				if (d == "(") {
					name = substr(s, i + 2, 2)
					ch = name == "aq" ? "\047" : \
					    name == "hy" ? "-" : " "
					i += 4
				} else if (d == "[") {
					j = index(substr(s, i + 2), "]")
					name = substr(s, i + 2, j - 1)
					ch = name == "aq" ? "\047" : " "
					i += 2 + j
				} else {
					ch = d == "e" ? "\\" : d
					i += 2
				}
			}
			if (font == "B")
				run = run ch
		}
		flush()
	}
	# Split macro arguments, honouring double quotes.
	function split_args(s, args,   n, q, c, cur, i) {
		n = 0; q = 0; cur = ""; i = 1
		while (i <= length(s)) {
			c = substr(s, i, 1)
			if (q && c == "\"" && substr(s, i + 1, 1) == "\"") {
				cur = cur "\""
				i += 2
				continue
			}
			if (c == "\"") {
				q = !q
			} else if (!q && (c == " " || c == "\t")) {
				if (cur != "" || (i > 1 && \
				    substr(s, i - 1, 1) == "\""))
					args[++n] = cur
				cur = ""
			} else {
				cur = cur c
			}
			i++
		}
		if (cur != "" || substr(s, length(s), 1) == "\"")
			args[++n] = cur
		return n
	}
	# Fonts of alternating macros, by argument parity.
	function altfont(m, k) {
		if (m == "BR" || m == "BI")
			return k % 2 ? "B" : "R"
		if (m == "RB" || m == "IB")
			return k % 2 ? "R" : "B"
		return "R"
	}
	BEGIN { font = "R"; prev = "R"; pending = "" }
	/^[.\047][ \t]*\\"/ { next }
	/^[.\047]/ {
		line = substr($0, 2)
		sub(/^[ \t]+/, "", line)
		macro = line
		sub(/[ \t].*$/, "", macro)
		rest = substr(line, length(macro) + 1)
		sub(/^[ \t]+/, "", rest)
		saved = font; savedprev = prev
		if (macro == "B" || macro == "SB") {
			if (rest == "") {
				pending = "B"
				next
			}
			na = split_args(rest, a)
			joined = ""
			for (k = 1; k <= na; k++)
				joined = joined (k > 1 ? " " : "") a[k]
			font = "B"; prev = "R"
			scan(joined)
		} else if (macro ~ /^(BR|BI|RB|IB|IR|RI)$/) {
			na = split_args(rest, a)
			for (k = 1; k <= na; k++) {
				font = altfont(macro, k); prev = "R"
				scan(a[k])
			}
		} else {
			na = split_args(rest, a)
			for (k = 1; k <= na; k++) {
				font = "R"; prev = "R"
				scan(a[k])
			}
		}
		font = saved; prev = savedprev
		next
	}
	{
		if (pending != "") {
			saved = font; savedprev = prev
			font = pending; prev = "R"; pending = ""
			scan($0)
			font = saved; prev = savedprev
			next
		}
		scan($0)
	}' "$1"
}

# Is $1 a whole word in one of the runs of file $2?
in_bold() {
	awk -v tok="$1" '
	function word(c) { return c ~ /[A-Za-z0-9_-]/ }
	{
		s = $0
		while ((i = index(s, tok)) > 0) {
			before = i > 1 ? substr(s, i - 1, 1) : ""
			after = substr(s, i + length(tok), 1)
			if (!word(before) && !word(after)) {
				found = 1
				exit
			}
			s = substr(s, i + 1)
		}
	}
	END { exit found ? 0 : 1 }' "$2"
}

# 1. Options from the table.
extract_options "$CLI_C" >"$tmp/options" 2>"$tmp/err"
nopt=$(wc -l <"$tmp/options" | tr -d ' ')
if [ "$nopt" -gt 0 ]; then
	ok "cli_opts.c: $nopt options found in the cli_opts table"
else
	not_ok "cli_opts.c: options found in the cli_opts table" \
	    "no option found in $CLI_C: has the table format changed?"
	sed 's/^/# /' "$tmp/err" >>"$results"
fi

# 2. Keys from the table, cross-checked against enum conf_key.
extract_keys "$CONF_C" >"$tmp/keys" 2>"$tmp/err"
nkey=$(wc -l <"$tmp/keys" | tr -d ' ')
nenum=$(count_enum_keys "$CONF_H" 2>/dev/null)
if [ "$nkey" -eq 0 ]; then
	not_ok "conf_table.c: keys found in the conf_keys table" \
	    "no key found in $CONF_C: has the table format changed?"
	sed 's/^/# /' "$tmp/err" >>"$results"
elif [ -f "$CONF_H" ] && [ "$nkey" -ne "${nenum:-0}" ]; then
	not_ok "conf_table.c: keys found in the conf_keys table" \
	    "found $nkey keys in $CONF_C but enum conf_key in $CONF_H" \
	    "has $nenum members: the extraction missed some"
else
	ok "conf_table.c: $nkey keys found in the conf_keys table"
fi

# 3. Each option and key in bold in the manual.
if [ -r "$MAN_PAGE" ]; then
	bold_runs "$MAN_PAGE" >"$tmp/bold"
	while read -r opt; do
		if in_bold "$opt" "$tmp/bold"; then
			ok "postie.1 documents option $opt"
		else
			not_ok "postie.1 documents option $opt" \
			    "option $opt (from $CLI_C) is not in bold in" \
			    "$MAN_PAGE"
		fi
	done <"$tmp/options"
	while read -r key; do
		if in_bold "$key" "$tmp/bold"; then
			ok "postie.1 documents key $key"
		else
			not_ok "postie.1 documents key $key" \
			    "rc key $key (from $CONF_C) is not in bold in" \
			    "$MAN_PAGE"
		fi
	done <"$tmp/keys"
else
	not_ok "postie.1 exists" "cannot read $MAN_PAGE"
fi

# 4. The manual renders without warnings.
if ! command -v groff >/dev/null 2>&1; then
	not_ok "postie.1 renders without groff warnings" \
	    "groff is not installed (Debian: apt-get install groff-base)"
elif groff -man -ww -z "$MAN_PAGE" >"$tmp/groff" 2>&1 &&
    [ ! -s "$tmp/groff" ]; then
	ok "postie.1 renders without groff warnings"
else
	not_ok_file "postie.1 renders without groff warnings" "$tmp/groff"
fi

# 5. The source rules.
if [ ! -x "$CHECKSRC" ] && [ ! -f "$CHECKSRC" ]; then
	not_ok "scripts/checksrc passes" "cannot find $CHECKSRC"
elif (cd "$root" && if [ -x "$CHECKSRC" ]; then "$CHECKSRC"; else
    python3 "$CHECKSRC"; fi) >"$tmp/checksrc" 2>&1; then
	ok "scripts/checksrc passes"
else
	not_ok_file "scripts/checksrc passes" "$tmp/checksrc"
fi

echo "1..$n"
cat "$results"
echo "# $((n - failed)) passed, $failed failed"
if [ "$failed" -eq 0 ]; then
	exit 0
fi
exit 1
