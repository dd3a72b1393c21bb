{{/* Names and labels, the usual Helm idiom. */}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The gateway's pods only (not the migration Job's): what its Deployment, Service and PDB select. */}}
{{- define "switchboard.gatewaySelectorLabels" -}}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/component: gateway
{{- end }}

{{/* The queue's worker pods: what the worker Deployment and its PDB select. */}}
{{- define "switchboard.workerSelectorLabels" -}}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/component: worker
{{- end }}

{{/* "true" when a worker Deployment runs the queued jobs: PostgreSQL only (SQLite is one process's file). */}}
{{- define "switchboard.runsWorker" -}}
{{- if and .Values.worker.enabled (not (include "switchboard.usesSqlite" .)) }}true{{ end }}
{{- end }}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchboard
{{- end }}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding connection strings and the bootstrap key: the operator's own, or the one this chart makes. */}}
{{- define "switchboard.secretName" -}}
{{- default (printf "%s-secrets" (include "switchboard.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{/* A digest pins the image; otherwise the tag, defaulting to the chart's appVersion (never "latest"). */}}
{{- define "switchboard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{- define "switchboard.usesSqlite" -}}
{{- if eq .Values.storage.provider "Sqlite" }}true{{ end }}
{{- end }}

{{/*
Environment shared by the gateway and the migration Job. Settings are SWITCHBOARD__Section__Key variables (README
"Configuration"); secrets come from the Secret by key, never from values into the pod spec.
*/}}
{{- define "switchboard.env" -}}
- name: SWITCHBOARD__Storage__Provider
  value: {{ .Values.storage.provider | quote }}
{{- if include "switchboard.usesSqlite" . }}
- name: SWITCHBOARD__Storage__DataDirectory
  value: /data
- name: SWITCHBOARD__Storage__ConnectionString
  value: "Data Source=/data/switchboard.db"
{{- else }}
- name: SWITCHBOARD__Storage__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ include "switchboard.secretName" . }}
      key: {{ .Values.secrets.keys.databaseConnectionString }}
{{- end }}
- name: SWITCHBOARD__Redis__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ include "switchboard.secretName" . }}
      key: {{ .Values.secrets.keys.redisConnectionString }}
      optional: true
- name: SWITCHBOARD__Identity__BootstrapAdminKey
  valueFrom:
    secretKeyRef:
      name: {{ include "switchboard.secretName" . }}
      key: {{ .Values.secrets.keys.bootstrapAdminKey }}
      optional: true
{{- end }}

{{/* The pod and container security settings every container gets (restricted Pod Security Standard). */}}
{{- define "switchboard.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "switchboard.containerSecurityContext" -}}
{{ toYaml .Values.securityContext }}
{{- end }}
