#!/usr/bin/env python3
"""tests/e2e/lib/links.py — does every link and citation of a source tree stay inside it?

  links.py ROOT      print one line per violation, "FILE:LINE: what", and exit 1 if there is one

The files are the tree's git files (tracked and untracked, not ignored), or, outside a git
checkout, every file but .git/ and build*/. Three checks:

  link      a Markdown link [text](target) or reference definition [id]: target whose target is a
            relative path (no scheme, not an anchor alone) must resolve, from the file's directory,
            inside ROOT and to a file or directory that exists (the #anchor is not checked); an
            absolute path is refused (no reader's clone has it)
  path      a relative path that begins with ../ in the prose of Markdown (not inside `code` or a
            fenced block, where paths are often relative to something else), anywhere in a man
            page, or in a comment of a source file, must resolve inside ROOT
  cite      no file names the design or reference documents the project started from outside the
            repository: the strings listed in CITES below (docs/design.md and docs/runbook.md are
            their replacements)
"""
import os
import re
import subprocess
import sys

# Built from pieces so that this file does not match itself.
DESIGN = "DESIGN" + ".md"
CITES = [
    ("shared/" + DESIGN, "the shared design document: cite docs/design.md"),
    ("shared/" + "reference", "the shared reference: link docs/runbook.md"),
    ("vmbc-backup-restore" + ".md", "the VMBC runbook's file: link docs/runbook.md"),
    (DESIGN, "a bare design citation: cite docs/design.md §N"),
]

C_LIKE = {".c", ".h", ".go", ".tpl", ".css", ".js"}
HASH_LIKE = {".sh", ".py", ".cmake", ".yaml", ".yml", ".txt", ".toml", ".cfg", ".supp", ".mk"}
HASH_NAMES = {"CMakeLists.txt", "Dockerfile", "Makefile", ".gitignore", ".dockerignore"}
MAN = re.compile(r"\.[1-8]$")

LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
UPPATH = re.compile(r"(?<![\w./~$-])((?:\.\./)+[\w.@+-][\w.@+/-]*)")
CODESPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")

# Lines whose ../ paths are data, not references: (file prefix, line pattern, why).
EXEMPT = [
    ("fixtures/bad-scenarios/", re.compile(r"^# expect: "),
     "each file is an input built to be refused; its expect line quotes the error, which repeats "
     "the refused path"),
]


def list_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, check=True).stdout
        return sorted(set(p for p in out.decode().split("\0") if p))
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, dirs, names in os.walk(root):
        rel = os.path.relpath(d, root)
        dirs[:] = [x for x in dirs if x != ".git" and not (rel == "." and x.startswith("build"))]
        files += [os.path.normpath(os.path.join(rel, n)) for n in names]
    return sorted(files)


def read_text(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")


def inside(root, target):
    return target == root or target.startswith(root + os.sep)


def md_lines(text):
    """(line number, line with code spans blanked, raw line, in a fence) for a Markdown text."""
    fence = None
    for n, line in enumerate(text.split("\n"), 1):
        m = re.match(r"^\s{0,3}(`{3,}|~{3,})", line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * len(m.group(1))
                yield n, "", line, True
                continue
            if m.group(1).startswith(fence):
                fence = None
                yield n, "", line, True
                continue
        if fence is not None:
            yield n, "", line, True
            continue
        yield n, CODESPAN.sub(lambda s: " " * len(s.group(0)), line), line, False


def comment_text(rel, line, state):
    """The comment part of one source line (state carries an open /* across lines)."""
    base = os.path.basename(rel)
    ext = os.path.splitext(base)[1]
    if ext in C_LIKE:
        out, i = [], 0
        while i < len(line):
            if state["block"]:
                j = line.find("*/", i)
                out.append(line[i:] if j < 0 else line[i:j])
                if j < 0:
                    break
                state["block"], i = False, j + 2
            else:
                j, k = line.find("/*", i), line.find("//", i)
                if k >= 0 and (j < 0 or k < j) and not line[max(0, k - 1):k] == ":":
                    out.append(line[k + 2:])
                    break
                if j < 0:
                    break
                state["block"], i = True, j + 2
        return " ".join(out)
    if ext in HASH_LIKE or base in HASH_NAMES or state.get("shebang"):
        m = re.search(r"(?:^|\s)#(.*)$", line)
        return m.group(1) if m else ""
    return None


def check(root):
    root = os.path.realpath(root)
    bad = []

    def report(rel, n, what):
        bad.append(f"{rel}:{n}: {what}")

    def resolve(rel, target):
        return os.path.normpath(os.path.join(root, os.path.dirname(rel), target))

    def check_path(rel, n, token):
        if not inside(root, resolve(rel, token)):
            report(rel, n, f"path '{token}' leads outside the repository")

    for rel in list_files(root):
        path = os.path.join(root, rel)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        text = read_text(path)
        if text is None:
            continue
        lines = text.split("\n")
        if os.path.basename(rel) != "links.py":
            for n, line in enumerate(lines, 1):
                for s, why in CITES:
                    if s in line:
                        report(rel, n, f"cites '{s}': {why}")
                        break

        if rel.endswith(".md"):
            for n, prose, raw, fenced in md_lines(text):
                if fenced:
                    continue
                targets = [m.group(1) for m in LINK.finditer(prose)]
                m = REFDEF.match(prose)
                if m:
                    targets.append(m.group(1))
                for t in targets:
                    if t.startswith("#") or SCHEME.match(t):
                        continue
                    file_part = t.split("#", 1)[0].split("?", 1)[0]
                    if not file_part:
                        continue
                    if file_part.startswith("/"):
                        report(rel, n, f"link '{t}' is an absolute path")
                        continue
                    dest = resolve(rel, file_part)
                    if not inside(root, dest):
                        report(rel, n, f"link '{t}' leads outside the repository")
                    elif not os.path.exists(dest):
                        report(rel, n, f"link '{t}': no such file in the repository")
                for tok in UPPATH.findall(LINK.sub(" ", REFDEF.sub(" ", prose))):
                    check_path(rel, n, tok)
        elif MAN.search(rel) and rel.startswith("docs/"):
            for n, line in enumerate(lines, 1):
                for tok in UPPATH.findall(line):
                    check_path(rel, n, tok)
        else:
            state = {"block": False, "shebang": bool(lines) and lines[0].startswith("#!")}
            for n, line in enumerate(lines, 1):
                c = comment_text(rel, line, state)
                if not c or any(rel.startswith(f) and p.search(line) for f, p, _ in EXEMPT):
                    continue
                for tok in UPPATH.findall(c):
                    check_path(rel, n, tok)
    return bad


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split("\n")[2], file=sys.stderr)
        return 2
    bad = check(sys.argv[1])
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
