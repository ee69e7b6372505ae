#!/usr/bin/env bash
# The Helm chart (deploy/helm/chaindrill, docs/chart.md) rendered without helm by
# tools/chart-render, with several value sets, and its objects checked for the shapes issue 4 and
# the runbook need: per replica a Deployment (replicas 0|1, Recreate) whose labels select only its
# pod, a PVC concord-pvc-<blockchainId>-replica-<i>, the rocksdbdata subPath, the replica's flags
# (replicaCheckpointBackup's VMBC defaults, the port, its peers), zones, the optional StorageClass;
# bad values refused; a rendering that is not YAML refused. Where helm is on PATH (GitHub
# Actions), `helm lint` passes and `helm template` gives the same objects; elsewhere those cases
# are reported skipped (prerequisite HELM).
. "$SOURCE/tests/e2e/lib/testlib.sh"
command -v jq >/dev/null || { fail "jq is installed (scripts/packages.txt [test])"; finish; }
command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] &&
	[ -d /usr/share/gocode/src/gopkg.in/yaml.v3 ] || {
	fail "go, sprig and yaml.v3 are installed (scripts/packages.txt [test]: golang-go," \
		"golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v3-dev)"
	finish
}
chart="$SOURCE/deploy/helm/chaindrill"
render="$SCRATCH/chart-render"

# Debian's Go libraries are a GOPATH tree: build offline in GOPATH mode, caches in scratch.
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$SCRATCH/gocache" GOFLAGS= GOENV=off
expect_exit 0 "tools/chart-render builds" -- \
	bash -c 'cd "$SOURCE" && go build -o "$1" ./tools/chart-render' _ "$render"
[ -x "$render" ] || finish

# render NAME ARGS...: render the chart into $SCRATCH/NAME.json (release drill, namespace ns1)
render() {
	local name=$1; shift
	"$render" --name drill --namespace ns1 "$@" "$chart" >"$SCRATCH/$name.json" 2>"$SCRATCH/$name.err"
	local rc=$?
	if [ "$rc" -eq 0 ]; then pass "renders: $name"; else
		fail "renders: $name" "exit $rc: chart-render $*" "$(head -c 1200 "$SCRATCH/$name.err")"
	fi
}
# refuse NAME PATTERN ARGS...: rendering fails (exit 1) with a message matching PATTERN
refuse() {
	local name=$1 want=$2; shift 2
	expect_exit 1 "refused: $name" -- "$render" --name drill --namespace ns1 "$@" "$chart"
	expect_grep "$want" "$SCRATCH/err" "refused: $name: says why"
}

# The shapes every value set must have, for N replicas, replicaCount C, storage class SC.
# jq helpers: deploy(i), pvc(i), svc(i), args(i) = replica i's container args as a flag map.
defs='
def of($k): map(select(.kind == $k));
def named($k; $n): of($k) | map(select(.metadata.name == $n)) | .[0];
def deploy($i): named("Deployment"; "vmbc-deployment-replica-\($i)-concord");
def pvc($i): named("PersistentVolumeClaim"; "concord-pvc-bc-demo-replica-\($i)");
def svc($i): named("Service"; "drill-replica-\($i)");
def ctr($i): deploy($i).spec.template.spec.containers[] | select(.name == "replica");
def args($i): [ctr($i).args | . as $a | range(0; length) | select($a[.] | startswith("--"))
	| {key: $a[.], value: (if ($a[. + 1] // "--" | startswith("--")) then true else $a[. + 1] end)}]
	| from_entries;
def peers($i): [ctr($i).args | . as $a | range(0; length) | select($a[.] == "--peer") | $a[. + 1]];
def sel($i): {"app.kubernetes.io/name": "concord", "app.kubernetes.io/instance": "drill",
	"chaindrill.io/replica": "\($i)"};
def matches($s): . as $l | $s | to_entries | all(.value == $l[.key]);
'
# shapes FILE N C SC NAME: the objects of a rendering with N replicas, replicaCount C, class SC
shapes() {
	local f=$SCRATCH/$1.json n=$2 c=$3 sc=$4 name=$1
	expect_jq "$f" "$defs"' [of("Deployment")[].metadata.name] | sort ==
		([range(0; '"$n"') | "vmbc-deployment-replica-\(.)-concord"] | sort)' \
		"$name: one Deployment per replica, named as VMBC's: vmbc-deployment-replica-<i>-concord"
	expect_jq "$f" "$defs"' [of("PersistentVolumeClaim")[].metadata.name] | sort ==
		([range(0; '"$n"') | "concord-pvc-bc-demo-replica-\(.)"] | sort)' \
		"$name: one claim per replica, concord-pvc-<blockchainId>-replica-<i>"
	expect_jq "$f" "$defs"' of("Deployment") | all(.spec.replicas == '"$c"' and
		.spec.strategy.type == "Recreate" and .metadata.namespace == "ns1")' \
		"$name: replicas $c and strategy Recreate everywhere"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | deploy($i) |
		(.spec.selector.matchLabels == sel($i)) and
		(.spec.template.metadata.labels | matches(sel($i)))] | all' \
		"$name: each Deployment selects its replica's pod by name, instance and replica labels"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | [of("Deployment")[] |
		select(.spec.template.metadata.labels | matches(sel($i)))] | length == 1] | all' \
		"$name: replica i's selector matches replica i's pod template only"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | ctr($i).volumeMounts[] |
		select(.name == "data" and .mountPath == "/concord/rocksdbdata") | .subPath == "ns1/bc-demo/replica-\($i)/rocksdbdata" and
		.mountPath == "/concord/rocksdbdata"] | length == '"$n"' and all' \
		"$name: the data mount: subPath <namespace>/<blockchainId>/replica-<i>/rocksdbdata"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | [ctr($i).volumeMounts[] | select(.name == "data")
		| [.mountPath, .subPath]] == [["/concord/rocksdbdata", "ns1/bc-demo/replica-\($i)/rocksdbdata"],
		["/concord/log", "ns1/bc-demo/replica-\($i)/log"],
		["/concord/config-generated", "ns1/bc-demo/replica-\($i)/config-generated"],
		["/concord/config-local", "ns1/bc-demo/replica-\($i)/config-local"]]] | all' \
		"$name: VMBC's mounts: rocksdbdata, log, config-generated, config-local under replica-<i>"
	expect_jq "$f" "$defs"' . as $all | [range(0; '"$n"') as $i | deploy($i).spec.template.spec.volumes[] |
		select(.name == "data") | .persistentVolumeClaim.claimName == ($all | pvc($i)).metadata.name] |
		length == '"$n"' and all' "$name: replica i mounts claim i"
	expect_jq "$f" "$defs"' of("PersistentVolumeClaim") | all(.spec.storageClassName == "'"$sc"'"
		and .spec.accessModes == ["ReadWriteOnce"])' "$name: claims use storageClassName $sc"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | args($i) | .["--id"] == "\($i)" and
		.["--data"] == "/concord/rocksdbdata" and .["--listen"] == "0.0.0.0:8080"] | all' \
		"$name: replica i runs with --id i, --data at the mount, --listen 0.0.0.0:8080"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | peers($i) == [range(0; '"$n"') |
		select(. != $i) | "\(.)=http://drill-replica-\(.):8080"]] | all' \
		"$name: each replica's --peer flags name every other replica's Service"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | svc($i) | .spec.selector == sel($i) and
		.spec.ports == [{"name": "http", "port": 8080, "targetPort": "http"}]] | all' \
		"$name: one Service per replica, selecting its pod, port 8080"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | ctr($i) |
		(.ports == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]) and
		(.readinessProbe.httpGet == {"path": "/v1/ready", "port": "http"})] | all' \
		"$name: container port 8080 and the readiness probe on GET /v1/ready"
	expect_jq "$f" "$defs"' [range(0; '"$n"') as $i | deploy($i).spec.template.spec |
		.securityContext == {"runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001} and
		(.initContainers[0].command[2] | contains("r=/volume/ns1/bc-demo/replica-\($i)\n") and
		contains("for d in \"$r/rocksdbdata\" \"$r/log\" \"$r/config-generated\" \"$r/config-local\"; do"))] |
		all' "$name: pods run as 10001; the init container prepares replica i's mounted directories"
}
ckpt_args() { # FILE NAME ENABLED KEEP INTERVAL WINDOW
	expect_jq "$SCRATCH/$1.json" "$defs"' . as $all | [of("Deployment")[] | .metadata.name |
		capture("replica-(?<i>[0-9]+)-concord$").i | tonumber as $i | $all | args($i) | [.["--checkpoints-enabled"],
		.["--number-of-checkpoints"], .["--checkpoint-interval"], .["--checkpoint-window"]]] |
		unique == [["'"$3"'", "'"$4"'", "'"$5"'", "'"$6"'"]]' "$2"
}

# --- defaults ------------------------------------------------------------------------------
render defaults
shapes defaults 4 1 standard
ckpt_args defaults "defaults: replicaCheckpointBackup's VMBC chart defaults (false, 2, 21600, 30000)" \
	0 2 21600 30000
expect_jq "$SCRATCH/defaults.json" '[.[].kind] | unique == ["Deployment", "PersistentVolumeClaim", "Service"]' \
	"defaults: no StorageClass unless asked for"
expect_jq "$SCRATCH/defaults.json" '[.[] | select(.kind == "Deployment") | .spec.template.spec.nodeSelector] |
	all(. == null)' "defaults: no zone constraint"
expect_jq "$SCRATCH/defaults.json" '[.[].metadata.labels | .["app.kubernetes.io/name"] == "concord" and
	.["chaindrill.io/blockchain-id"] == "bc-demo" and .["app.kubernetes.io/instance"] == "drill"] | all' \
	"defaults: every object carries the chart's labels"
expect_jq "$SCRATCH/defaults.json" 'map(.kind) | index("PersistentVolumeClaim") < index("Deployment")' \
	"defaults: claims come before Deployments (helm's install order)"
jq -r '[.[] | select(.kind == "Deployment")][0].spec.template.spec.initContainers[0].command[2]' \
	"$SCRATCH/defaults.json" >"$SCRATCH/init.sh"
expect_exit 0 "defaults: the init container's script is valid sh" -- sh -n "$SCRATCH/init.sh"
expect_exit 0 "NOTES.txt renders" -- "$render" --name drill --namespace ns1 -o notes "$chart"
expect_grep "helm upgrade drill <chart> --reuse-values --set global.replicaCount=0" "$SCRATCH/out" \
	"NOTES.txt gives the runbook's stop command"

# --- the runbook's stop, then a bigger cluster -------------------------------------------------
render replicas0 --set global.replicaCount=0
shapes replicas0 4 0 standard
render seven --set global.clusterSize=7
shapes seven 7 1 standard

# --- zones: replica i on zones[i mod 3] ------------------------------------------------------
render zones --set global.clusterSize=7 --set 'global.zones={us-east-1a,us-east-1b,us-east-1c}'
shapes zones 7 1 standard
expect_jq "$SCRATCH/zones.json" "$defs"' [range(0; 7) as $i | deploy($i).spec.template.spec.nodeSelector ==
	{"topology.kubernetes.io/zone": ["us-east-1a", "us-east-1b", "us-east-1c"][$i % 3]}] | all' \
	"zones: replica i's nodeSelector is topology.kubernetes.io/zone=zones[i mod 3]"

# --- the optional StorageClass -----------------------------------------------------------------
render sc-delete --set storageClass.create=true --set storageClass.reclaimPolicy=Delete \
	--set global.storageClassName=drill-sc
shapes sc-delete 4 1 drill-sc
expect_jq "$SCRATCH/sc-delete.json" '[.[] | select(.kind == "StorageClass")] == [.[0]] and
	(.[0] | .metadata.name == "drill-sc" and .reclaimPolicy == "Delete" and
	.provisioner == "rancher.io/local-path" and .volumeBindingMode == "WaitForFirstConsumer")' \
	"storageClass.create: one StorageClass named global.storageClassName, first, reclaimPolicy Delete"
render sc-retain --set storageClass.create=true --set storageClass.provisioner=k8s.io/minikube-hostpath
expect_jq "$SCRATCH/sc-retain.json" '[.[] | select(.kind == "StorageClass")] | length == 1 and
	.[0].reclaimPolicy == "Retain" and .[0].provisioner == "k8s.io/minikube-hostpath" and
	.[0].metadata.name == "standard"' "storageClass.create: reclaimPolicy Retain by default, provisioner set"

printf 'storageClass:\n  create: true\n  parameters: {pathPattern: "{{ .PVC.Namespace }}/{{ .PVC.Name }}"}\n' \
	>"$SCRATCH/path-pattern.yaml"
render sc-pattern -f "$SCRATCH/path-pattern.yaml"
expect_jq "$SCRATCH/sc-pattern.json" '.[0].parameters == {"pathPattern": "{{ .PVC.Namespace }}/{{ .PVC.Name }}"}' \
	"storageClass.parameters pass through as written (local-path's pathPattern, kind-config/README.md)"

# --- the runbook's replicaCheckpointBackup, a values file and other names --------------------
printf 'replicaCheckpointBackup:\n  enabled: true\n  numberOfCheckpoints: 5\n  checkpointIntervalInSeconds: 3600\n  checkpointWindow: 30000\n' \
	>"$SCRATCH/runbook-values.yaml"
render runbook -f "$SCRATCH/runbook-values.yaml"
ckpt_args runbook "-f values: the runbook's replicaCheckpointBackup (true, 5, 3600, 30000) as flags" \
	1 5 3600 30000
render set-ckpt --set replicaCheckpointBackup.enabled=true,replicaCheckpointBackup.checkpointWindow=1000000000
ckpt_args set-ckpt "--set: replicaCheckpointBackup.* reach the flags (no float formatting)" \
	1 2 21600 1000000000
render other-id --set global.blockchainId=746d220e-1eb9-4d15-ae1b-a224cee8d396 --set replica.port=9000
expect_jq "$SCRATCH/other-id.json" '[.[] | select(.kind == "PersistentVolumeClaim") | .metadata.name] |
	index("concord-pvc-746d220e-1eb9-4d15-ae1b-a224cee8d396-replica-3") != null' \
	"the runbook's blockchain id names the claims"
expect_jq "$SCRATCH/other-id.json" '[.[] | select(.kind == "Deployment") | .spec.template.spec.containers[0] |
	(.args | index("0.0.0.0:9000") != null) and .ports[0].containerPort == 9000] | all' \
	"replica.port moves the listen flag and the container port together"

# --- refusals ------------------------------------------------------------------------------------
refuse "replicaCount 2" "global.replicaCount 2: want 0 .* or 1" --set global.replicaCount=2
refuse "clusterSize 5" "global.clusterSize 5: want n = 3f\+1" --set global.clusterSize=5
refuse "a blockchainId with capitals" 'global.blockchainId "Bad_Id"' --set global.blockchainId=Bad_Id
refuse "reclaimPolicy retain" 'storageClass.reclaimPolicy "retain": Retain or Delete' \
	--set storageClass.create=true --set storageClass.reclaimPolicy=retain
refuse "no storageClassName" "global.storageClassName is required" --set global.storageClassName=null

# --- the renderer refuses what helm would not install ----------------------------------------------
cp -r "$chart" "$SCRATCH/broken"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [unclosed\n' \
	>"$SCRATCH/broken/templates/bad.yaml"
expect_exit 1 "a rendered document that is not YAML fails the rendering" -- "$render" "$SCRATCH/broken"
expect_grep "chaindrill/templates/bad.yaml: the rendered document does not parse" "$SCRATCH/err" \
	"... naming the template"
printf 'apiVersion: v1\nmetadata:\n  name: x\n' >"$SCRATCH/broken/templates/bad.yaml"
expect_exit 1 "a document without kind fails the rendering" -- "$render" "$SCRATCH/broken"
expect_grep "bad.yaml: the object has no kind" "$SCRATCH/err" "... saying what is missing"

# --- values.schema.json: the values helm refuses before rendering ---------------------------------
# helm install, upgrade, lint and template check the merged values against the chart's
# values.schema.json. chart-render does not; here `chart-render -o values` gives the merged values
# and python3-jsonschema (Draft 7, as the schema declares; scripts/packages.txt) checks them: the
# same check, by another implementation than helm's. Where helm is installed, `helm template`
# refuses the same values (prerequisite HELM).
test_lazy_prereq JSONSCHEMA 'python3 -c "import jsonschema"' "python3-jsonschema is installed"
# schema_check ARGS...: validate the merged values of ARGS; exit 0 valid, 1 invalid (why on stderr)
schema_check() {
	"$render" -o values "$@" "$chart" >"$SCRATCH/values.json" || return 2
	python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(json.load(open(sys.argv[2]))), key=str)
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message, file=sys.stderr)
sys.exit(1 if errors else 0)' "$chart/values.schema.json" "$SCRATCH/values.json"
}
if test_when JSONSCHEMA "values.schema.json checks (python3-jsonschema)"; then
	expect_exit 0 "schema: the defaults are valid" -- schema_check
	expect_exit 0 "schema: the runbook's values are valid" -- schema_check -f "$SCRATCH/runbook-values.yaml"
	expect_exit 0 "schema: what chaindrill's kube platform sets is valid" -- schema_check \
		--set global.clusterSize=7 --set global.blockchainId=bc-x --set global.storageClassName=sc1 \
		--set replicaCheckpointBackup.enabled=true --set replicaCheckpointBackup.numberOfCheckpoints=100 \
		--set replicaCheckpointBackup.checkpointIntervalInSeconds=0 \
		--set replicaCheckpointBackup.checkpointWindow=1000000000 \
		--set securityContext.runAsUser=1000,securityContext.runAsGroup=1000,securityContext.fsGroup=1000 \
		--set 'global.zones={za,zb,zc}'
	for bad in "numberOfCheckpoints=0|replicaCheckpointBackup.numberOfCheckpoints=0|numberOfCheckpoints: 0 is less than the minimum of 1" \
		"numberOfCheckpoints=101|replicaCheckpointBackup.numberOfCheckpoints=101|numberOfCheckpoints: 101 is greater than the maximum of 100" \
		"enabled=yes|replicaCheckpointBackup.enabled=yes|enabled: 'yes' is not of type 'boolean'" \
		"checkpointWindow=-1|replicaCheckpointBackup.checkpointWindow=-1|checkpointWindow: -1 is less than the minimum of 0" \
		"a misspelt checkpoint key|replicaCheckpointBackup.numberOfCheckpoint=3|Additional properties are not allowed" \
		"replicaCount=2|global.replicaCount=2|replicaCount: 2 is not one of" \
		"clusterSize=5|global.clusterSize=5|clusterSize: 5 is not one of" \
		"blockchainId with capitals|global.blockchainId=Bad_Id|blockchainId: 'Bad_Id' does not match" \
		"reclaimPolicy retain|storageClass.reclaimPolicy=retain|reclaimPolicy: 'retain' is not one of"; do
		IFS='|' read -r what set want <<<"$bad"
		expect_exit 1 "schema refuses $what" -- schema_check --set "$set"
		expect_grep "$want" "$SCRATCH/err" "schema refuses $what: says why"
	done
fi
test_expect_success HELM 'helm template refuses numberOfCheckpoints=0 by the schema' '
	! helm template drill "$chart" --set replicaCheckpointBackup.numberOfCheckpoints=0 \
		>"$SCRATCH/helm-bad.yaml" 2>"$SCRATCH/helm-bad.err" &&
	grep -q "values don.t meet the specifications of the schema" "$SCRATCH/helm-bad.err"
'

# --- helm itself, where it is installed (prerequisite HELM; skipped, saying so, where it is not) ------
test_expect_success HELM 'helm lint' 'helm lint "$chart"'
for args in "" "--set global.replicaCount=0" "--set global.clusterSize=7 --set global.zones={a,b,c}" \
	"--set storageClass.create=true --set storageClass.reclaimPolicy=Delete"; do
	# shellcheck disable=SC2016 # the body is expanded when it runs
	test_expect_success HELM "helm template and chart-render agree: ${args:-defaults}" '
		# shellcheck disable=SC2086 # the value sets are split on purpose
		helm template drill "$chart" --namespace ns1 $args >"$SCRATCH/helm.yaml" &&
		"$render" --parse "$SCRATCH/helm.yaml" | jq -S "sort_by(.kind, .metadata.name)" >"$SCRATCH/h.json" &&
		"$render" --name drill --namespace ns1 $args "$chart" | jq -S "sort_by(.kind, .metadata.name)" \
			>"$SCRATCH/g.json" &&
		test_cmp "$SCRATCH/h.json" "$SCRATCH/g.json"
	'
done
finish
