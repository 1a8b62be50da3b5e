#!/usr/bin/env python3
"""Writes the manual page sigtrace(1) from its template and the usage text.

usage: make-man.py SIGTRACE TEMPLATE OUTPUT

The OPTIONS section is made from `SIGTRACE --help` (the options table of
src/cli/options.c), so that the page and the program cannot disagree; the
rest of the page is the template (docs/sigtrace.1.in), whose @OPTIONS@ is
replaced.
"""
import re
import subprocess
import sys

exe, template, out = sys.argv[1:4]
help_text = subprocess.run([exe, "--help"], check=True, capture_output=True, text=True).stdout


def roff(text):
    """Text for a roff paragraph: backslashes and option dashes escaped."""
    text = text.replace("\\", "\\e")
    text = re.sub(r"(?<![\w-])--?(?=[a-zA-Z])", lambda m: m.group(0).replace("-", "\\-"), text)
    return text


def spec(s):
    """'-j, --jobs N' as bold options and italic arguments."""
    parts = []
    for word in s.split(" "):
        comma = word.endswith(",")
        w = word.rstrip(",")
        if w.startswith("-"):
            parts.append("\\fB" + w.replace("-", "\\-") + "\\fR" + ("," if comma else ""))
        else:
            parts.append("\\fI" + w + "\\fR" + ("," if comma else ""))
    return " ".join(parts)


entries = []
in_options = False
for line in help_text.splitlines():
    if line == "options:":
        in_options = True
        continue
    if not in_options:
        continue
    if not line.strip():
        break
    m = re.match(r"^  (-\S.*?)(?:\s{2,}(.*))?$", line)
    if m and not line.startswith("   "):
        entries.append([m.group(1), m.group(2) or ""])
    elif entries:
        entries[-1][1] += " " + line.strip()
if len(entries) < 10:
    sys.exit("make-man.py: no options found in the usage text")

body = []
for opt, desc in entries:
    desc = desc.strip()
    # "scan: ..." and "outliers: ..." keep the command's spelling.
    if not re.match(r"^(verify|scan|outliers|trust)\b", desc):
        desc = desc[:1].upper() + desc[1:]
    if desc and not desc.endswith("."):
        desc += "."
    body += [".TP", spec(opt), roff(desc)]
page = open(template).read()
if "@OPTIONS@" not in page:
    sys.exit("make-man.py: the template has no @OPTIONS@")
open(out, "w").write(page.replace("@OPTIONS@\n", "\n".join(body) + "\n"))
