{{/* Names: <release>-<chart> unless the release already carries the chart's name. */}}
{{- define "gateway.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one service's objects: (dict "root" $ "service" "fanout"). */}}
{{- define "gateway.serviceName" -}}
{{- printf "%s-%s" (include "gateway.fullname" .root) .service | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gateway.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one service: (dict "root" $ "service" "fanout"). */}}
{{- define "gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "gateway.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "gateway.fullname" .)) -}}
{{- end -}}

{{/* The image of one service (or of the migration job): (dict "root" $ "service" "fanout"). */}}
{{- define "gateway.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .service (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{/* One variable from the gateway's Secret: (dict "root" $ "name" "DATABASE_URL" "optional" false). */}}
{{- define "gateway.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "gateway.secretName" .root }}
      key: {{ .name }}
      optional: {{ .optional }}
{{- end -}}
