{{/*
_helpers.tpl — names, labels and checked values shared by the templates (docs/chart.md is the
contract). Numbers pass through `int`: helm reads values.yaml numbers as float64.
*/}}

{{/* The release name, cut so that "<fullname>-replica-NN" stays a DNS label (63). */}}
{{- define "chaindrill.fullname" -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "chaindrill.blockchainId" -}}
{{- $id := required "global.blockchainId is required" .Values.global.blockchainId | toString -}}
{{- if not (regexMatch "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" $id) -}}
{{- fail (printf "global.blockchainId %q: lowercase letters, digits and '-', at most 63" $id) -}}
{{- end -}}
{{- $id -}}
{{- end -}}

{{/* n = 3f+1 replicas, f >= 1, as a scenario's cluster.replicas. */}}
{{- define "chaindrill.clusterSize" -}}
{{- $n := int (required "global.clusterSize is required" .Values.global.clusterSize) -}}
{{- if or (lt $n 4) (ne (mod (sub $n 1) 3) 0) (gt $n 31) -}}
{{- fail (printf "global.clusterSize %d: want n = 3f+1 with f >= 1 (4, 7, 10, ..., 31)" $n) -}}
{{- end -}}
{{- $n -}}
{{- end -}}

{{/* The runbook scales the whole blockchain with global.replicaCount: 0 or 1. */}}
{{- define "chaindrill.replicaCount" -}}
{{- $c := .Values.global.replicaCount -}}
{{- if or (kindIs "invalid" $c) (not (has (int $c) (list 0 1))) -}}
{{- fail (printf "global.replicaCount %v: want 0 (stop every replica) or 1 (run them)" $c) -}}
{{- end -}}
{{- int $c -}}
{{- end -}}

{{/* Replica i's Service (the host name the other replicas reach it by). Argument: dict "root" . "i" i */}}
{{- define "chaindrill.replicaName" -}}
{{- printf "%s-replica-%d" (include "chaindrill.fullname" .root) (int .i) -}}
{{- end -}}

{{/* Replica i's Deployment, as VMBC's chart names it: vmbc-deployment-replica-<i>-concord (no
release in it, like VMBC's: one release per namespace). Argument: dict "root" . "i" i */}}
{{- define "chaindrill.deploymentName" -}}
{{- printf "vmbc-deployment-replica-%d-concord" (int .i) -}}
{{- end -}}

{{/* Replica i's directory inside its claim: <namespace>/<blockchainId>/replica-<i>; the mounts
(rocksdbdata, log, config-generated, config-local) are subdirectories of it. */}}
{{- define "chaindrill.replicaDir" -}}
{{- printf "%s/%s/replica-%d" .root.Release.Namespace (include "chaindrill.blockchainId" .root) (int .i) -}}
{{- end -}}

{{/* Replica i's claim, as VMBC's chart names it. */}}
{{- define "chaindrill.claimName" -}}
{{- printf "concord-pvc-%s-replica-%d" (include "chaindrill.blockchainId" .root) (int .i) -}}
{{- end -}}

{{/* Replica i's rocksdbdata inside its claim (docs/design.md §4, the runbook's paths). */}}
{{- define "chaindrill.subPath" -}}
{{- printf "%s/rocksdbdata" (include "chaindrill.replicaDir" .) -}}
{{- end -}}

{{- define "chaindrill.labels" -}}
app.kubernetes.io/name: concord
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: chaindrill
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
chaindrill.io/blockchain-id: {{ include "chaindrill.blockchainId" . }}
{{- end -}}

{{/* Selects replica i's pod, and nothing else. Argument: dict "root" . "i" i */}}
{{- define "chaindrill.selectorLabels" -}}
app.kubernetes.io/name: concord
app.kubernetes.io/instance: {{ .root.Release.Name }}
chaindrill.io/replica: {{ int .i | quote }}
{{- end -}}

{{- define "chaindrill.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}
