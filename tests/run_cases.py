#!/usr/bin/env python3
"""Runs a case file against the sigtrace CLI.

Case file lines: <file> <verdict> <required reasons, comma-separated, or -> [args...]
'#' starts a comment line. $NAME in args is replaced by --var NAME=VALUE, $DIR by
the --dir directory. Each case runs
`sigtrace verify --format ndjson --no-default-trust DEFAULT_ARGS ARGS FILE`
(without --no-default-trust when ARGS hold the marker +builtin; a case's own --at
replaces the default one)
and passes when the verdict matches exactly, every required reason is reported and no
reason written as !code is.
Prints one PASS/FAIL line per case and a closing 'N passed, N failed'.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigtrace", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--dir", required=True, help="directory the file names are relative to")
    ap.add_argument("--default-args", default="", help="arguments used when a case gives none")
    ap.add_argument("--var", action="append", default=[])
    ap.add_argument("--label", default="case")
    ap.add_argument("--wrapper", default="", help="command prefix, e.g. valgrind")
    a = ap.parse_args()
    vars_ = dict(v.split("=", 1) for v in a.var)
    vars_.setdefault("DIR", a.dir)
    passed = failed = 0
    with open(a.cases, encoding="utf-8") as fh:
        lines = fh.readlines()
    for lineno, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = shlex.split(line)
        if len(parts) < 3:
            print(f"FAIL {a.label}:{lineno}: malformed case line")
            failed += 1
            continue
        name, want_verdict, want_reasons = parts[0], parts[1], parts[2]
        extra = parts[3:]
        # "+builtin": the case uses the built-in trust store.
        builtin = "+builtin" in extra
        extra = [x for x in extra if x != "+builtin"]
        for k, v in vars_.items():
            extra = [x.replace("$" + k, v) for x in extra]
        base = shlex.split(a.default_args)
        for k, v in vars_.items():
            base = [x.replace("$" + k, v) for x in base]
        # A case's own --at overrides the default one.
        if any(x == "--at" for x in extra) and "--at" in base:
            i = base.index("--at")
            del base[i:i + 2]
        path = os.path.join(a.dir, name)
        cmd = shlex.split(a.wrapper) + [a.sigtrace, "verify", "--format", "ndjson"] + \
            ([] if builtin else ["--no-default-trust"]) + base + extra + [path]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        label = f"{a.label}:{lineno} {name} {' '.join(extra)}".strip()
        try:
            rec = json.loads(proc.stdout.splitlines()[0])
            got_verdict = rec["sigtrace"]["verdict"]
            got_reasons = [r["code"] for r in rec["sigtrace"].get("reasons", [])]
        except (IndexError, KeyError, ValueError):
            print(f"FAIL {label}: no record (exit {proc.returncode}): {proc.stderr.strip()[:300]}")
            failed += 1
            continue
        want = [] if want_reasons == "-" else want_reasons.split(",")
        # "!code": the reason must not be reported.
        unwanted = [r[1:] for r in want if r.startswith("!")]
        want = [r for r in want if not r.startswith("!")]
        missing = [r for r in want if r not in got_reasons]
        present = [r for r in unwanted if r in got_reasons]
        want_exit = {"invalid": 1, "malformed": 1}.get(want_verdict, 0)
        problems = []
        if got_verdict != want_verdict:
            problems.append(f"verdict {got_verdict}, expected {want_verdict}")
        if missing:
            problems.append(f"missing reasons {','.join(missing)}")
        if present:
            problems.append(f"unexpected reasons {','.join(present)}")
        if proc.returncode != want_exit:
            problems.append(f"exit {proc.returncode}, expected {want_exit}")
        if a.wrapper and proc.stderr.strip():
            problems.append("wrapper reported: " + proc.stderr.strip()[-300:])
        if problems:
            print(f"FAIL {label}: {'; '.join(problems)} (reasons: {','.join(got_reasons) or '-'})")
            failed += 1
        else:
            print(f"PASS {label}")
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
