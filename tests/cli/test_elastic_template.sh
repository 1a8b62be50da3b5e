#!/usr/bin/env bash
# data/elastic/sigtrace-template.json against the records sigtrace writes:
# every field of the NDJSON records of the fixture trees given is mapped
# (explicitly or by a dynamic template), with a type its values fit (dates
# parse as ISO 8601, numbers are integers, booleans booleans), and every
# property of docs/output.md's table is mapped with its documented type.
# usage: test_elastic_template.sh SIGTRACE PKI_DIR DIR...
set -uo pipefail
st=$1 pki=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in "$@"; do
	# --legacy-hashes: its fields are mapped too.
	"$st" scan -q --all --legacy-hashes --format ndjson --no-default-trust --trust "$pki/root.pem" \
		--at 2025-06-01T00:00:00Z "$d" >>"$tmp/records.ndjson" 2>/dev/null
done
python3 - "$top/data/elastic/sigtrace-template.json" "$tmp/records.ndjson" "$top/docs/output.md" <<'PY'
import datetime, fnmatch, json, re, sys

template = json.load(open(sys.argv[1]))
mappings = template["template"]["mappings"]
results = []


def check(name, ok):
    results.append(ok)
    print("%s elastic-template: %s" % ("PASS" if ok else "FAIL", name))


check("the template names its indices and maps fields",
      bool(template.get("index_patterns")) and "properties" in mappings)


def mapped(path):
    node = {"properties": mappings["properties"]}
    for part in path.split("."):
        node = node.get("properties", {}).get(part)
        if node is None:
            return None
    return node


def dynamic(path, pytype):
    want = {"str": "string", "int": "long", "bool": "boolean"}[pytype]
    for d in mappings.get("dynamic_templates", []):
        (rule,) = d.values()
        if fnmatch.fnmatchcase(path, rule.get("path_match", "*")) and rule.get("match_mapping_type", want) == want:
            return rule["mapping"]
    return None


def fits(mapping, value):
    t = mapping.get("type", "object")
    if isinstance(value, bool):
        return t == "boolean"
    if isinstance(value, int):
        return t in ("long", "integer", "unsigned_long")
    if isinstance(value, str):
        if t == "date":
            try:
                datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
                return True
            except ValueError:
                return False
        return t in ("keyword", "text", "match_only_text", "wildcard")
    return False


fields, bad = {}, []


def walk(o, p):
    if isinstance(o, dict):
        for k, v in o.items():
            walk(v, p + [k])
    elif isinstance(o, list):
        for v in o:
            walk(v, p)
    elif o is not None:
        path = ".".join(p)
        m = mapped(path) or dynamic(path, type(o).__name__)
        fields[path] = m is not None
        if m is None or not fits(m, o):
            bad.append((path, o, m))


n = 0
for line in open(sys.argv[2]):
    walk(json.loads(line), [])
    n += 1
check("records were written (%d, %d distinct fields)" % (n, len(fields)), n > 50 and len(fields) > 60)
unmapped = sorted(p for p, ok in fields.items() if not ok)
check("every field of the records is mapped%s" % (": missing " + ", ".join(unmapped[:8]) if unmapped else ""),
      not unmapped)
wrong = sorted({p for p, v, m in bad if m is not None})
check("every value fits its mapped type%s" % (": " + ", ".join(wrong[:8]) if wrong else ""), not wrong)

types = {"string": "keyword", "int": "long", "bool": "boolean", "time": "date"}
missing = []
for l in open(sys.argv[3]):
    m = re.match(r"^\| `([a-z]+\.[a-z_]+)` \| (string|int|bool|time) \| (part|signature) \|", l)
    if not m:
        continue
    key, typ, scope = m.groups()
    path = "sigtrace.%s.properties.%s" % ("parts" if scope == "part" else "signatures", key)
    node = mapped(path)
    if not node or node.get("type") != types[typ]:
        missing.append(key)
check("every documented property is mapped with its type%s" % (": " + ", ".join(missing) if missing else ""),
      not missing)
sys.exit(0 if all(results) else 1)
PY
