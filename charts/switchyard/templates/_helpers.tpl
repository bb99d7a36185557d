{{/* Names, labels and shared fragments. */}}

{{- define "switchyard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "switchyard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "switchyard.operator.fullname" -}}{{ include "switchyard.fullname" . }}-operator{{- end }}
{{- define "switchyard.proxy.fullname" -}}{{ include "switchyard.fullname" . }}-proxy{{- end }}

{{- define "switchyard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "switchyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchyard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component: include "switchyard.selectorLabels" (list . "operator") */}}
{{- define "switchyard.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ include "switchyard.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "switchyard.componentLabels" -}}
{{ include "switchyard.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "switchyard.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "switchyard.operator.fullname" .) .Values.operator.serviceAccount.name }}
{{- else }}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "switchyard.proxy.serviceAccountName" -}}
{{- if .Values.proxy.serviceAccount.create }}
{{- default (include "switchyard.proxy.fullname" .) .Values.proxy.serviceAccount.name }}
{{- else }}
{{- required "proxy.serviceAccount.name is required when proxy.serviceAccount.create is false" .Values.proxy.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "switchyard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The in-cluster sync URL of the operator Service. */}}
{{- define "switchyard.syncUrl" -}}
http://{{ include "switchyard.operator.fullname" . }}.{{ .Release.Namespace }}.svc:{{ .Values.operator.ports.sync }}
{{- end }}

{{- define "switchyard.oidcConfigMapName" -}}
{{- default (printf "%s-oidc" (include "switchyard.proxy.fullname" .)) .Values.proxy.oidc.existingConfigMap }}
{{- end }}

{{- define "switchyard.oidcEnabled" -}}
{{- if or .Values.proxy.oidc.existingConfigMap (gt (len .Values.proxy.oidc.issuers) 0) }}true{{- end }}
{{- end }}

{{/* Checks that fail the render with a message a person can act on. */}}
{{- define "switchyard.validate" -}}
{{- if and (eq .Values.sync.auth "sharedToken") (not .Values.sync.sharedToken.existingSecret) }}
{{- fail "sync.auth=sharedToken needs sync.sharedToken.existingSecret: the name of a Secret in the release namespace holding the token (e.g. kubectl create secret generic switchyard-sync --from-literal=token=$(openssl rand -hex 32))" }}
{{- end }}
{{- if lt (int .Values.proxy.terminationGracePeriodSeconds) (add (int .Values.proxy.preStopSleepSeconds) 15 | int) }}
{{- fail "proxy.terminationGracePeriodSeconds must be at least proxy.preStopSleepSeconds + 15 (the proxy drains in-flight requests for up to 10 s after SIGTERM, then closes its pools)" }}
{{- end }}
{{- if and .Values.proxy.autoscaling.enabled (gt (int .Values.proxy.autoscaling.minReplicas) (int .Values.proxy.autoscaling.maxReplicas)) }}
{{- fail "proxy.autoscaling.minReplicas must not exceed proxy.autoscaling.maxReplicas" }}
{{- end }}
{{- end }}
