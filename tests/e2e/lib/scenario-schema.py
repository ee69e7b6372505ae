#!/usr/bin/env python3
"""scenarios/schema.json against the loader: every scenario file of the tree, accepted or rejected
alike by `chaindrill validate` and by the JSON Schema (tests/e2e/scenario-schema.sh runs this).

The schema sees a file as a YAML language server does: YAML 1.2's core schema (`yes` is a string,
`True` a boolean, `010` the integer 10), through libyaml's parser as chaindrill's, and a duplicate
key is an error. What JSON Schema cannot say is in KNOWN below, file by file, with the reason; any
other disagreement fails, and so does a KNOWN entry that no longer disagrees (the list stays true).

usage: scenario-schema.py CHAINDRILL SOURCE SCRATCH
"""
import glob
import json
import os
import re
import subprocess
import sys

import jsonschema
import yaml

# --- what the schema cannot see, and why --------------------------------------------------------
# Each is a rule of the loader (harness/scenario/scenario.c, harness/faults/*.c) over more than one
# value, or over how a scalar is spelled: JSON Schema checks each value of the parsed data on its
# own. Files are named by base name: the fuzz corpus (fixtures/fuzz/scenario) holds copies of the
# bad scenarios under the same names, and its own inputs under their hashes.
KNOWN = {
    "a restore's `from` and a fault's `backup` must name a backup taken by an EARLIER step":
        ["023-restore-unknown-backup.yaml", "087-fault-backup-not-taken.yaml",
         "0118fb4a38e0b781c77eb9e1590225dfdafc5045", "9d1f0c477cd4b07eda4221a83ce2de73b539550f"],
    "backup names are unique within the scenario (uniqueness of a property across items)":
        ["024-duplicate-backup.yaml"],
    "a replica index must be below cluster.replicas (another field's value, default 4)":
        ["025-stop-replica-range.yaml", "073-kill-replica-replica-out-of-range.yaml"],
    "a start needs an earlier stop of the same replica (order of steps)":
        ["026-start-without-stop.yaml", "b4c8771e7c72307ca79e37b9f668ff191b69ba5f"],
    "workload.keysPerBlock is at most workload.keySpace (comparison of two fields)":
        ["027-keys-per-block-over-key-space.yaml"],
    "expect.failedStep must be the kind of a step present in steps":
        ["036-failed-step-absent.yaml"],
    "wrong-az's zone must be one of cluster.zones, and there must be another zone than the replica's":
        ["061-wrong-az-one-zone.yaml", "062-wrong-az-unknown-zone.yaml"],
    "integers are plain decimal without leading zeros: YAML 1.2 reads 0755 as 755, the spelling is lost":
        ["015-leading-zero.yaml"],
    "anchors and aliases are valid YAML the loader refuses by choice (docs/scenario.md)":
        ["030-alias.yaml"],
    "a string must be quoted where YAML 1.1 (PyYAML, kubectl) reads a boolean: `on` is a string"
    " only to YAML 1.2, which the schema sees":
        ["038-zone-boolean.yaml"],
}
# Probes: one rule each, written into the scratch directory and compared like the corpus, so
# that every kind of rule the schema encodes is exercised, accepted and rejected.
PROBE_BASE = "name: probe\n%s\nsteps:\n  - backup: {name: b1}\n%s\nexpect: {verdict: consistent}\n"
PROBES = [  # (name, top-level lines, step lines)
    ("minimal", "", "  - write: {blocks: 10}"),
    ("bodyless-steps", "", "  - checkpoint:\n  - uninstall: {}\n  - install:\n  - validate:"),
    ("write-null", "", "  - write:"),
    ("write-zero", "", "  - write: {blocks: 0}"),
    ("validate-over", "", "  - validate: {blocks: 1000001}"),
    ("step-two-keys", "", "  - write: {blocks: 1}\n    checkpoint: {}"),
    ("restore-none", "", "  - restore: {from: b1, checkpoint: none}"),
    ("restore-id", "", "  - restore: {from: b1, checkpoint: 18446744073709551615}"),
    ("restore-zero", "", "  - restore: {from: b1, checkpoint: 0}"),
    ("restore-word", "", "  - restore: {from: b1, checkpoint: newest}"),
    ("seven-replicas", "cluster: {replicas: 7}", "  - stop: {replica: 6}\n  - start: {replica: 6}"),
    ("replicas-5", "cluster: {replicas: 5}", ""),
    ("zones-empty", "cluster: {zones: []}", ""),
    ("namespace-dash", "cluster: {namespace: -a}", ""),
    ("storage-class-dots", "cluster: {storageClass: {name: a.b.c}}", ""),
    ("storage-class-label-64", "cluster: {storageClass: {name: %s}}" % ("a" * 64), ""),
    ("run-as-user-max", "cluster: {runAsUser: 2147483646}", ""),
    ("run-as-user-over", "cluster: {runAsUser: 2147483647}", ""),
    ("section-null", "workload:", ""),
    ("ckpt-enabled-string", "replicaCheckpointBackup: {enabled: \"true\"}", ""),
    ("storage-exec", "storage: {vendor: exec, program: ./p.sh, timeoutSeconds: 3600}", ""),
    ("storage-program-empty", "storage: {program: \"\"}", ""),
    ("name-64", "", ""),  # name replaced below
    ("fault-unknown-kind", "", "  - fault: {kind: meteor, replica: 1}"),
    ("fault-param-null", "", "  - fault: {kind: lock-left, replica:}"),
    ("fault-unknown-param", "", "  - fault: {kind: lock-left, zone: a}"),
    ("bitflip-backup", "", "  - fault: {kind: bitflip-sst, replica: 1, target: backup, backup: b1, cf: state}"),
    ("bitflip-backup-no-target", "", "  - fault: {kind: bitflip-sst, replica: 1, backup: b1}"),
    ("bitflip-target-no-backup", "", "  - fault: {kind: bitflip-sst, replica: 1, target: backup}"),
    ("bitflip-no-replica", "", "  - fault: {kind: bitflip-sst}"),
    ("bitflip-bad-pick", "", "  - fault: {kind: bitflip-sst, replica: 1, pick: middle}"),
    ("delete-file-no-file", "", "  - fault: {kind: delete-file, replica: 1}"),
    ("wal-seed", "", "  - fault: {kind: wal-garbage, replica: 1, seed: 7, length: 9}"),
    ("wrong-az-seed", "cluster: {zones: [a, b]}", "  - fault: {kind: wrong-az, replica: 1, seed: 7}"),
    ("copy-no-preserve-umask", "", "  - fault: {kind: copy-no-preserve, replica: all, umask: \"077\"}"),
    ("copy-no-preserve-umask-bad", "", "  - fault: {kind: copy-no-preserve, umask: \"0999\"}"),
    ("lock-left-all", "", "  - fault: {kind: lock-left, replica: all}"),
    ("interrupted-all", "", "  - fault: {kind: copy-interrupted, replica: all}"),
    ("mismatched-previous", "", "  - fault: {kind: mismatched-checkpoint, replica: 2, checkpoint: previous}"),
    ("mismatched-zero", "", "  - fault: {kind: mismatched-checkpoint, replica: 2, checkpoint: 0}"),
    ("cross-reset", "", "  - fault: {kind: cross-replica-restore, from: 1, replica: all, resetIdentity: false}"),
    ("cross-reset-yes", "", "  - fault: {kind: cross-replica-restore, from: 1, resetIdentity: yes}"),
    ("foreign-no-backup", "", "  - fault: {kind: foreign-checkpoint, replica: 1}"),
    ("foreign", "", "  - fault: {kind: foreign-checkpoint, replica: 1, backup: b1, from: other-blockchain}"),
    ("kill-after-blocks", "", "  - fault: {kind: kill-replica, replica: 1, during: write, afterBlocks: 5}"),
    ("kill-after-blocks-now", "", "  - fault: {kind: kill-replica, replica: 1, afterBlocks: 5}"),
    ("kill-at-backup", "", "  - fault: {kind: kill-replica, replica: 1, during: backup, at: scale-up}"),
    ("torn-stagger-zero", "", "  - fault: {kind: torn-live-snapshot, stagger: 0}"),
    ("disk-pressure", "", "  - fault: {kind: disk-pressure, volumeSize: 1152921504606846976, thresholdPercent: 1000}"),
    ("disk-pressure-over", "", "  - fault: {kind: disk-pressure, volumeSize: 1152921504606846977}"),
    ("driver-crash", "", "  - fault: {kind: driver-crash, during: restore, afterFiles: 3}"),
    ("driver-crash-write", "", "  - fault: {kind: driver-crash, during: write}"),
    ("symlink-escape", "", "  - fault: {kind: symlink-escape, replica: 0, backup: b1, target: /etc}"),
    ("hardlink-escape", "", "  - fault: {kind: hardlink-escape, replica: 0}"),
    ("hardlink-escape-backup", "", "  - fault: {kind: hardlink-escape, replica: 0, backup: b1}"),
    ("restart-writes-over", "", "  - fault: {kind: restore-while-running, writes: 100001}"),
    ("expect-error-alone", "", ""),  # expect replaced below
    # types: a quoted number is a string, a plain number is not one (docs/scenario.md#types)
    ("description-number", "description: 42", ""),
    ("zones-number", "cluster: {zones: [a, 2]}", ""),
    ("zones-quoted-number", "cluster: {zones: [a, \"2\"]}", ""),
    ("fault-replica-quoted", "", "  - fault: {kind: bitflip-sst, replica: \"1\"}"),
    ("fault-all-quoted", "", "  - fault: {kind: lock-left, replica: \"all\"}"),
    ("fault-after-quoted", "", "  - fault: {kind: kill-replica, replica: 1, during: write, afterBlocks: \"5\"}"),
    ("fault-bool-quoted", "", "  - fault: {kind: cross-replica-restore, from: 1, resetIdentity: \"true\"}"),
    ("fault-zone-number", "cluster: {zones: [\"1\", \"2\"]}", "  - fault: {kind: wrong-az, replica: 1, zone: 2}"),
    ("fault-zone-quoted", "cluster: {zones: [\"1\", \"2\"]}", "  - fault: {kind: wrong-az, replica: 1, zone: \"2\"}"),
    ("fault-target-number", "", "  - fault: {kind: symlink-escape, replica: 0, target: 42}"),
]


def write_probes(directory):
    paths = []
    for name, top, steps in PROBES:
        text = PROBE_BASE % (top, steps)
        if name == "name-64":
            text = text.replace("name: probe", "name: " + "p" * 64)
        if name == "expect-error-alone":
            text = text.replace("expect: {verdict: consistent}", "expect: {error: x}")
        path = os.path.join(directory, "probe-%s.yaml" % name)
        with open(path, "w") as fh:
            fh.write(text)
        paths.append(path)
    return paths


REASON = {name: why for why, names in KNOWN.items() for name in names}


def core_schema_loader():
    """A SafeLoader (libyaml's parser when present) resolving YAML 1.2 core-schema scalars."""
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Core(base):
        pass

    Core.yaml_implicit_resolvers = {}
    resolvers = [
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", list("~nN") + [""]),
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
         list("-+0123456789")),
        ("tag:yaml.org,2002:float",
         r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
         r"|\.(?:nan|NaN|NAN))$", list("-+.0123456789")),
    ]
    for tag, rx, first in resolvers:
        Core.add_implicit_resolver(tag, re.compile(rx), first)

    def construct_int(loader, node):
        v = loader.construct_scalar(node)
        if v.startswith("0o"):
            return int(v[2:], 8)
        if v.startswith("0x"):
            return int(v[2:], 16)
        return int(v, 10)

    def construct_mapping(loader, node, deep=False):
        seen = set()
        for k, _ in node.value:
            key = loader.construct_object(k, deep=True)
            if isinstance(key, (dict, list)) or key in seen:
                raise yaml.constructor.ConstructorError(None, None, "duplicate or bad key %r" % (key,),
                                                        k.start_mark)
            seen.add(key)
        return base.construct_mapping(loader, node, deep=deep)

    Core.add_constructor("tag:yaml.org,2002:int", construct_int)
    Core.add_constructor("tag:yaml.org,2002:map", lambda ld, n: construct_mapping(ld, n, deep=True))
    Core.construct_mapping = construct_mapping
    return Core


def scenario_files(source):
    """Every scenario of the tree: scenarios/, the fixture scenarios, tests/e2e/data and every
    scenario the bad-input manifest runs or validates."""
    files = set()
    for pattern in ("scenarios/**/*.yaml", "fixtures/bad-scenarios/*", "fixtures/fuzz/scenario/*",
                    "fixtures/fuzz/regressions/scenario/*", "tests/e2e/data/*.yaml"):
        files.update(os.path.relpath(f, source) for f in glob.glob(os.path.join(source, pattern),
                                                                   recursive=True))
    for f in glob.glob(os.path.join(source, "fixtures/**/*.yaml"), recursive=True):
        with open(f, "rb") as fh:  # any other fixture with steps is a scenario too
            if re.search(rb"^steps:", fh.read(), re.M):
                files.add(os.path.relpath(f, source))
    with open(os.path.join(source, "tests/e2e/bad-input.manifest")) as fh:
        for line in fh:
            m = re.search(r"\$CHAINDRILL (?:run|validate) (\S+\.yaml)", line)
            if m and not line.startswith("#"):
                files.add(m.group(1))
    files.discard("scenarios/vendor-check/manifest.yaml")  # the standard set's index, not a scenario
    return sorted(f for f in files if os.path.isfile(os.path.join(source, f)))


def schema_verdict(validator, loader, path):
    """(accepted, why): the schema's verdict on the file as an editor would parse it."""
    try:
        with open(path, "rb") as fh:
            data = yaml.load(fh, Loader=loader)
    except (yaml.YAMLError, ValueError, UnicodeDecodeError) as e:
        return False, "not YAML data: %s" % str(e).splitlines()[0]
    err = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if err is None:
        return True, "valid"
    return False, "%s: %s" % ("/".join(str(p) for p in err.absolute_path) or "(root)", err.message[:160])


def loader_verdicts(chaindrill, source, files):
    """{file: (accepted, first error line)} from one `chaindrill validate -q` over every file: each
    rejected file has one line "chaindrill: FILE:..." on stderr."""
    r = subprocess.run([chaindrill, "validate", "-q", "--"] + files, cwd=source, capture_output=True,
                       text=True, errors="replace")
    if r.returncode not in (0, 2):
        raise SystemExit("chaindrill validate exited %d: %s" % (r.returncode, r.stderr[:400]))
    verdicts = {f: (True, "ok") for f in files}
    for line in r.stderr.splitlines():
        for f in files:
            if line.startswith("chaindrill: %s:" % f):
                verdicts[f] = (False, line)
    rejected = sum(not ok for ok, _ in verdicts.values())
    if (rejected > 0) != (r.returncode == 2):
        raise SystemExit("chaindrill validate exited %d with %d rejected files" % (r.returncode, rejected))
    return verdicts


def main():
    chaindrill, source, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(os.path.join(source, "scenarios/schema.json")) as fh:
        schema = json.load(fh)
    passed = failed = 0

    def report(ok, name, *lines):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok - " + name)
        else:
            failed += 1
            print("not ok - " + name)
            for line in lines:
                print("#   " + line)

    try:
        jsonschema.Draft7Validator.check_schema(schema)
        report(True, "scenarios/schema.json is a valid draft-07 schema")
    except jsonschema.exceptions.SchemaError as e:
        report(False, "scenarios/schema.json is a valid draft-07 schema", str(e)[:400])
    validator = jsonschema.Draft7Validator(schema)
    loader = core_schema_loader()
    files = scenario_files(source)
    report(len(files) > 200, "the corpus holds every scenario (%d files)" % len(files))
    files += write_probes(scratch)
    counts = {(True, True): 0, (False, False): 0}
    verdicts = loader_verdicts(chaindrill, source, files)
    seen_known = set()
    for rel in files:
        by_loader, lwhy = verdicts[rel]
        by_schema, swhy = schema_verdict(validator, loader, os.path.join(source, rel))
        agree = by_loader == by_schema
        if agree:
            counts[(by_loader, by_schema)] += 1
        name = os.path.basename(rel)
        if name in REASON:
            seen_known.add(name)
            report(not agree and not by_loader, "%s: the loader alone rejects it: %s" % (rel, REASON[name]),
                   "loader: %s" % lwhy, "schema: %s" % swhy)
        elif not agree:
            report(False, "%s: loader and schema agree" % rel,
                   "loader %s: %s" % ("accepts" if by_loader else "rejects", lwhy),
                   "schema %s: %s" % ("accepts" if by_schema else "rejects", swhy))
    report(True, "agreed on %d accepted and %d rejected files; %d known exceptions (%d reasons)"
           % (counts[(True, True)], counts[(False, False)], len(REASON), len(KNOWN)))
    for name in sorted(set(REASON) - seen_known):
        report(False, "known exception %s is in the corpus" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
