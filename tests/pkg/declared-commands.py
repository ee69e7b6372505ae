#!/usr/bin/env python3
"""tests/pkg/declared-commands.py [SOURCE] — every external command the project's scripts run is
declared in scripts/commands.txt, and comes from a Debian package that scripts/packages.txt
installs (or that a debootstrap --variant=minbase root already has).

(a) Static scan. The shell scripts of scripts/, tests/, bench/, plugins/, fixtures/vendor-plugins/
    and .ci/run are cut into simple commands (at newlines, ; | & && || ( ) { } $( ) and backquotes,
    shell keywords, case patterns); the first word of each, after assignments and wrappers that run
    their arguments (exec, command, env, nice, sudo, timeout, xargs, unshare, chroot DIR, in_root,
    ...), is a command, and so is the X of `command -v X` and of `root_need X`; the script of `sh -c '...'`/`bash -c`
    and the bodies given to tests/e2e/lib/testlib.sh's cases and prerequisites are scanned in
    turn. Python files: the first element of a literal list given to subprocess.*, and the
    literal name given to shutil.which. A shell builtin, a function defined in any scanned file, a
    path or a $variable is not a command. Each command found must be in the table; one that is
    not fails the test with file:line.
    Limits: commands built at run time (`$tool`, `"${cmd[@]}"`), run through eval (but testlib's
    bodies), written into here-documents or files and run later, or run by the C harness
    (kubectl, helm, ...: tested by their own fakes) are not seen; a function that shadows a
    command hides it.
(b) This machine. Each table entry must resolve with `command -v` (PATH: Debian's own
    /usr/sbin:/usr/bin:/sbin:/bin, not /usr/local or a user's shims) to a file that dpkg says
    belongs to the table's package, following the chain of symlinks (alternatives) to the real
    file; and that package must be in scripts/packages.txt or in the table's [minbase] list (or,
    with a third word, be a direct dependency of that listed package).
TAP output; exit 0 when every check passed.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys

SOURCE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                         os.path.join(os.path.dirname(__file__), "..", ".."))
SCAN_DIRS = ["scripts", "tests", "bench", "plugins", "fixtures/vendor-plugins"]
SCAN_FILES = [".ci/run"]
# Expected outputs, not run: the plan test's command listings.
SKIP_DIRS = ["tests/e2e/data"]

BUILTINS = set("""alias bg bind break builtin caller cd command compgen complete compopt continue
declare dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs
kill let local logout mapfile popd printf pushd pwd read readarray readonly return set shift shopt
source suspend test times trap true type typeset ulimit umask unalias unset wait . : [ [[ ]]
""".split())
KEYWORDS = set("if then else elif fi do done while until for in case esac function select time "
               "! { } coproc".split())
# Wrappers: the command they run follows their own options (and, for some, one argument).
WRAPPERS = {"exec": 0, "command": 0, "env": 0, "nice": 0, "sudo": 0, "$sudo": 0, "nohup": 0,
            "setsid": 0, "stdbuf": 0, "xargs": 0, "unshare": 0, "timeout": 1, "chroot": 1,
            "in_root": 0, "flock": 1, "ionice": 0, "test_expect_code": 1}
# Options of wrappers that take a value (so the value is not taken for the command).
OPT_WITH_VALUE = {"nice": {"-n"}, "timeout": {"-s", "-k", "--signal", "--kill-after"},
                  "xargs": {"-n", "-P", "-I", "-d", "-L", "-s", "-E"}, "env": {"-u", "-C"},
                  "ionice": {"-c", "-n"}, "sudo": {"-u", "-g"}, "stdbuf": {"-i", "-o", "-e"},
                  "unshare": {"--propagation", "--setgroups", "-S", "-G", "--wd", "-R", "--root"}}
# tests/e2e/lib/testlib.sh: functions given a script to run (its index among their arguments, -1 the
# last), and those that run a command after their own arguments (expect_exit CODE NAME -- CMD...).
SCRIPT_ARGS = {"test_expect_success": -1, "test_expect_failure": -1, "test_lazy_prereq": 1}
AFTER_DASHDASH = {"expect_exit"}
# tests/pkg/lib/root.sh: root_need TOOL... names the commands a package test needs.
PREREQ_FUNCS = {"root_need"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.+-]*$")
SEP = set(";|&()<>") | {";;", ";&", ";;&", "&&", "||", "|&", "&>", ">>", "<<", "<(", ">("}


def tracked_files():
    try:
        out = subprocess.run(["git", "-C", SOURCE, "ls-files"], capture_output=True, text=True)
    except OSError:
        out = None
    if out and out.returncode == 0 and out.stdout:
        files = out.stdout.split("\n")
    else:  # not a git checkout (a copy): walk the tree
        files = []
        for d in SCAN_DIRS:
            for dp, _, fs in os.walk(os.path.join(SOURCE, d)):
                files += [os.path.relpath(os.path.join(dp, f), SOURCE) for f in fs]
        files += SCAN_FILES
    keep = []
    for f in files:
        if not f or any(f.startswith(s + "/") for s in SKIP_DIRS):
            continue
        if f in SCAN_FILES or any(f.startswith(d + "/") for d in SCAN_DIRS):
            if f.endswith((".sh", ".py")) or f in SCAN_FILES or is_shell(f):
                if os.path.isfile(os.path.join(SOURCE, f)):
                    keep.append(f)
    return keep


def is_shell(f):
    try:
        with open(os.path.join(SOURCE, f), "rb") as fh:
            first = fh.readline()
    except OSError:
        return False
    return first.startswith(b"#!") and (b"sh" in first)


def clean(text):
    """The script with comments and here-document bodies blanked (line numbers kept), unquoted
    newlines turned into ` ;` separators and backslash-newlines into spaces."""
    out = []
    i, n = 0, len(text)
    quote = None  # ' or "
    heredocs = []
    at_word_start = True
    while i < n:
        c = text[i]
        if quote:
            out.append(c)
            if c == "\\" and quote == '"' and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == quote:
                quote = None
            i += 1
            continue
        if c == "\\" and i + 1 < n:
            if text[i + 1] == "\n":
                out.append(" \n")
            else:
                out.append(text[i:i + 2])
            i += 2
            continue
        if c in "'\"":
            quote = c
            out.append(c)
            i += 1
            continue
        if text.startswith("${", i):  # a parameter expansion is one word, spaces and all
            depth, j, q = 0, i, None
            while j < n:
                if q:
                    if text[j] == "\\" and q == '"':
                        j += 1
                    elif text[j] == q:
                        q = None
                elif text[j] in "'\"":
                    q = text[j]
                elif text[j] == "\\":
                    j += 1
                elif text.startswith("${", j):
                    depth += 1
                    j += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(re.sub(r"[ \t]", SPACE, text[i:j + 1]))
            i = j + 1
            at_word_start = False
            continue
        if c == "#" and at_word_start:
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "<" and text.startswith("<<", i) and not text.startswith("<<<", i):
            m = re.match(r"<<-?\s*\\?(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1", text[i:])
            if m:
                heredocs.append(m.group(2))
                out.append(text[i:i + m.end()])
                i += m.end()
                at_word_start = False
                continue
        if c == "\n":
            out.append(" ;\n")
            i += 1
            while heredocs:  # the bodies start on the next line: blank them
                word = heredocs.pop(0)
                while i < n:
                    j = text.find("\n", i)
                    line = text[i:] if j < 0 else text[i:j]
                    i = n if j < 0 else j + 1
                    out.append("\n")
                    if line.strip() == word:
                        break
            at_word_start = True
            continue
        out.append(c)
        at_word_start = c in " \t;|&()"
        i += 1
    return "".join(out)


def tokens(text):
    """[(token, line)] of cleaned shell text."""
    lex = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lex.commenters = ""
    lex.wordchars += "$@{}[]!%:+,^~=*?-./\\#" + SPACE
    out = []
    try:
        while True:
            t = lex.get_token()
            if t is None or t == lex.eof:
                break
            out.append((t, lex.lineno))
    except ValueError:  # an unbalanced quote: fall back to words per line
        out = []
        for k, line in enumerate(text.split("\n"), 1):
            out += [(w, k) for w in line.replace(";", " ; ").split()]
    return out


def substitutions(raw):
    """The scripts inside $( ... ) and `...` of a word (outermost, balanced parentheses)."""
    raw = raw.replace(SPACE, " ")
    found = []
    i = 0
    while True:
        j = raw.find("$(", i)
        if j < 0:
            break
        if raw.startswith("$((", j):  # arithmetic
            i = j + 3
            continue
        depth, k, q = 1, j + 2, None
        while k < len(raw) and depth:
            c = raw[k]
            if q:
                if c == "\\" and q == '"':
                    k += 1
                elif c == q:
                    q = None
            elif c in "'\"":
                q = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            k += 1
        found.append(raw[j + 2:k - 1])
        i = k
    found += re.findall(r"`([^`]*)`", raw)
    return found


SPACE = "\x01"  # a blank inside ${...}, kept inside its word
REDIRECT = re.compile(r"^[0-9]*(<|>|>>|<<|<<<|&>|&>>|>&|<&|>\||<>)$")


def punct_start(t, op):
    return t.startswith(op) and set(t) <= set(";&|()<>")


def inner_substitutions(toks):
    """Commands of the unquoted $( ... ) in a list of words: "$" then "(" up to its ")"."""
    found = []
    k = 0
    while k < len(toks):
        if punct_start(toks[k][0], "(") and k and toks[k - 1][0].endswith("$"):
            depth, j = 0, k
            while j < len(toks):
                w = toks[j][0]
                if set(w) <= set(";&|()<>") and w:
                    depth += w.count("(") - w.count(")")
                    if depth <= 0:
                        break
                j += 1
            found += first_words(toks[k + 1:j])
            k = j
        k += 1
    return found


def first_words(toks):
    """[(command, kind, line)] for each simple command of a token list."""
    found = []
    seg = []
    state = None  # "case-word", "case-pattern", "for", "arith", "array"
    depth = 0
    for t, line in toks + [(";", 0)]:
        for sub in substitutions(t) if ("$(" in t or "`" in t) and t not in SEP else ():
            found += [(c, k, line) for c, k, _ in first_words(tokens(clean(sub)))]
        if state == "arith":
            if punct_start(t, "))"):
                state = None
            continue
        if state == "array":
            if punct_start(t, ")"):
                state = None
            continue
        if state == "case-word":
            if t == "in":
                state = "case-pattern"
            continue
        if state == "case-pattern":
            if t == "esac":
                depth -= 1
                state = None
            elif punct_start(t, ")"):
                state = None
            continue
        if state == "for":  # the words of `for x in WORDS`: only their $(...) run commands
            if t == "do":
                state = None
                found += inner_substitutions(for_words)
            else:
                for_words.append((t, line))
            continue
        if t == "case":
            found += judge(seg)
            seg = []
            state = "case-word"
            depth += 1
            continue
        if t in (";;", ";&", ";;&") and depth:
            found += judge(seg)
            seg = []
            state = "case-pattern"
            continue
        if t == "esac" and depth:
            found += judge(seg)
            seg = []
            depth -= 1
            continue
        if t in ("for", "select") and not seg:
            state = "for"
            for_words = []
            continue
        if punct_start(t, "(("):  # ((...)) or $((...)): arithmetic
            state = "arith"
            continue
        if punct_start(t, "(") and seg and seg[-1][0].endswith("="):  # NAME=( words )
            if t.count("(") <= t.count(")"):  # NAME=()
                continue
            state = "array"
            continue
        if t == "coproc" and not seg:
            continue
        punct = t != "" and set(t) <= set(";&|()<>")  # an operator (a quoted "(" is a word)
        if ((punct and not REDIRECT.match(t)) or (t in KEYWORDS and not seg)
                or t in ("then", "do", "else", "fi", "done")):
            found += judge(seg)
            seg = []
            continue
        seg.append((t, line))
    return found


def judge(seg_lines):
    out = []
    if not seg_lines:
        return out
    line = seg_lines[0][1]
    seg = []
    k = 0
    while k < len(seg_lines):  # redirections and their targets are not words of the command
        t = seg_lines[k][0]
        if REDIRECT.match(t) or t in ("<", ">", ">>", ">&", "&>", "<<", "<<<"):
            k += 2
            continue
        seg.append(t)
        k += 1
    if len(seg) > 1 and seg[1] == "{" and NAME.match(seg[0]):  # coproc NAME { ... }
        seg = seg[2:]
    i = 0
    while i < len(seg):
        w = seg[i]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", w):  # assignment
            i += 1
            continue
        if w in WRAPPERS:
            if w == "command" and i + 1 < len(seg) and seg[i + 1] in ("-v", "-V"):
                out += [(x, "command -v", line) for x in seg[i + 2:] if not x.startswith("-")]
                return out
            if w not in ("exec", "command", "$sudo", "in_root"):
                out.append((w, "first word", line))
            i += 1
            if w == "chroot":
                while i < len(seg) and seg[i].startswith("-"):
                    i += 1
                i += 1  # the new root
                continue
            n = WRAPPERS[w]
            while i < len(seg):
                a = seg[i]
                if a == "--":
                    i += 1
                    break
                if a.startswith("-"):
                    i += 2 if a in OPT_WITH_VALUE.get(w, ()) else 1
                    continue
                if w == "env" and "=" in a:
                    i += 1
                    continue
                break
            i += n
            continue
        if w in PREREQ_FUNCS:
            return out + [(x, w, line) for x in seg[i + 1:]]
        if w in SCRIPT_ARGS:
            args = seg[i + 1:]
            k = SCRIPT_ARGS[w]
            if -len(args) <= k < len(args):
                out += [(c, w, line) for c, _, _ in first_words(tokens(clean(args[k])))]
            return out
        if w in AFTER_DASHDASH:
            if "--" in seg[i + 1:]:
                return out + judge([(x, line) for x in seg[seg.index("--", i + 1) + 1:]])
            return out
        if w in ("sh", "bash", "dash") and "-c" in seg[i + 1:]:
            out.append((w, "first word", line))
            k = seg.index("-c", i + 1)
            if k + 1 < len(seg):
                out += [(c, "sh -c", line) for c, _, _ in first_words(tokens(clean(seg[k + 1])))]
            return out
        out.append((w, "first word", line))
        return out
    return out


def scan_shell(text):
    return first_words(tokens(clean(text)))


def scan_python(text):
    found = []
    for m in re.finditer(r"subprocess\.\w+\(\s*\[\s*[\"']([^\"']+)[\"']", text):
        found.append((m.group(1), "subprocess", text.count("\n", 0, m.start()) + 1))
    for m in re.finditer(r"shutil\.which\(\s*[\"']([^\"']+)[\"']", text):
        found.append((m.group(1), "shutil.which", text.count("\n", 0, m.start()) + 1))
    return found


def shell_functions(text):
    names = set(re.findall(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)", text, re.M))
    names |= set(re.findall(r"^\s*function\s+([A-Za-z_][A-Za-z0-9_-]*)", text, re.M))
    return names


def read_table():
    """{command: (package, via)} of [commands] and of [optional], the set of [minbase]. `via` is
    the listed package that installs `package` as its direct dependency, when they differ."""
    table, optional, minbase, section = {}, {}, set(), None
    with open(os.path.join(SOURCE, "scripts/commands.txt")) as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section == "minbase":
                minbase.update(line.split())
            else:
                f = line.split() + ["", ""]
                (optional if section == "optional" else table)[f[0]] = (f[1], f[2])
    return table, optional, minbase


def read_packages():
    pkgs = set()
    with open(os.path.join(SOURCE, "scripts/packages.txt")) as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith(("#", "[")):
                pkgs.add(line)
    return pkgs


def owners(paths):
    """{path: set of packages} for the paths dpkg knows, in one call of dpkg -S."""
    r = subprocess.run(["dpkg", "-S"] + sorted(set(paths)), capture_output=True, text=True)
    found = {}
    for l in r.stdout.splitlines():
        if l.startswith("diversion by") or ": " not in l:
            continue
        pk, path = l.split(": ", 1)
        for p in pk.split(","):
            found.setdefault(path.strip(), set()).add(p.strip().split(":")[0])  # no arch qualifier
    return found


def chain(path):
    """path, each step of its symlinks, and the real file; on a merged-/usr system dpkg may know a
    file under /bin rather than /usr/bin, so both spellings of each."""
    seen = []
    p = path
    for _ in range(40):
        seen.append(p)
        if not os.path.islink(p):
            break
        p = os.path.join(os.path.dirname(p), os.readlink(p))
        p = os.path.normpath(p)
    seen.append(os.path.realpath(path))
    both = []
    for s in seen:
        both.append(s)
        for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"),
                     ("/bin/", "/usr/bin/"), ("/sbin/", "/usr/sbin/")):
            if s.startswith(a):
                both.append(b + s[len(a):])
    return list(dict.fromkeys(both))


def main():
    n = 0
    failed = 0

    def result(ok, what, details=()):
        nonlocal n, failed
        n += 1
        print(("ok" if ok else "not ok") + f" {n} - {what}")
        for d in details:
            print(f"#   {d}")
        if not ok:
            failed += 1

    table, optional, minbase = read_table()
    packages = read_packages()
    files = tracked_files()
    funcs = set()
    texts = {}
    for f in files:
        with open(os.path.join(SOURCE, f), errors="replace") as fh:
            texts[f] = fh.read()
        if not f.endswith(".py"):
            funcs |= shell_functions(texts[f])
    print(f"# scanned {len(files)} files; table: {len(table)} commands, "
          f"{len(minbase)} minbase packages; packages.txt: {len(packages)} packages")

    # (a) every command the scripts run is in the table
    where = {}
    for f in files:
        found = scan_python(texts[f]) if f.endswith(".py") else scan_shell(texts[f])
        for cmd, kind, line in found:
            if (cmd in BUILTINS or cmd in KEYWORDS or cmd in funcs or not NAME.match(cmd)
                    or cmd.isdigit()):
                continue
            where.setdefault(cmd, []).append(f"{f}:{line} ({kind})")
    undeclared = sorted(c for c in where if c not in table and c not in optional)
    result(not undeclared, "every command the scripts run is in scripts/commands.txt",
           [f"{c}: {', '.join(where[c][:3])}" for c in undeclared])
    unused = sorted(c for c in list(table) + list(optional) if c not in where)
    if unused:
        print(f"# in the table, not seen by the scan (run in ways it cannot see?): {' '.join(unused)}")

    # (b) on this machine: each entry resolves to a file of its package, a declared one
    if not shutil.which("dpkg") or not shutil.which("dpkg-query"):
        n += 1
        print(f"ok {n} # skip the table's packages (this machine has no dpkg)")
        print(f"1..{n}")
        return 1 if failed else 0
    # Debian's own directories only: what a package installs, not /usr/local or a user's shims.
    env_path = "/usr/sbin:/usr/bin:/sbin:/bin"
    names = sorted(c for c in table if table[c][0] != "-")
    r = subprocess.run(["bash", "-c", 'PATH="$1"; shift; for c; do echo "$c $(command -v -- "$c")"; done',
                        "sh", env_path] + names, capture_output=True, text=True)
    resolved = dict((l.split(" ", 1) + [""])[:2] for l in r.stdout.splitlines())
    known = owners(p for c in names if resolved.get(c, "").startswith("/")
                   for p in chain(resolved[c]))
    for cmd in sorted(table):
        pkg, via = table[cmd]
        if pkg == "-":  # built by this project (the table says so), not a Debian command
            continue
        listed = via or pkg
        where_listed = ("packages.txt" if listed in packages else
                        "minbase" if listed in minbase else "not listed")
        label = f"{pkg}{' via ' + via if via else ''}, {where_listed}"
        path = resolved.get(cmd, "")
        details = []
        if where_listed == "not listed":
            details.append(f"{listed} is neither in scripts/packages.txt nor in [minbase] of "
                           f"scripts/commands.txt")
        if not path.startswith("/"):
            details.append(f"command -v {cmd}: not found in {env_path}")
            result(False, f"{cmd} is installed ({label})", details)
            continue
        owned = set()
        for p in chain(path):
            owned |= known.get(p, set())
        if pkg not in owned:
            details.append(f"{path} belongs to {' '.join(sorted(owned)) or 'no package'}, "
                           f"not to {pkg} (scripts/commands.txt)")
        if via:
            r = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", via],
                               capture_output=True, text=True)
            deps = {d.strip().split()[0].split(":")[0] for d in re.split(r"[,|]", r.stdout)
                    if d.strip()}
            if pkg not in deps:
                details.append(f"{via} does not depend on {pkg} here")
        result(not details, f"{cmd} -> {path} ({label})", details)

    print(f"1..{n}")
    print(f"# {n - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
