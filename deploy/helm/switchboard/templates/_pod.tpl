{{/* The gateway's pod template, shared by the Deployment and the Argo Rollouts Rollout. */}}
{{- define "switchboard.podTemplate" -}}
metadata:
  labels:
    {{- include "switchboard.gatewaySelectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # A change of configuration rolls the pods.
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "switchboard.serviceAccountName" . }}
  automountServiceAccountToken: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.shutdown.terminationGracePeriodSeconds }}
  securityContext:
    {{- include "switchboard.podSecurityContext" . | nindent 4 }}
  containers:
    - name: switchboard
      image: {{ include "switchboard.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: ["serve"]
      ports:
        - name: http
          containerPort: 8080
          protocol: TCP
        - name: metrics
          containerPort: {{ .Values.service.metricsPort }}
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "switchboard.fullname" . }}
      env:
        {{- include "switchboard.env" . | nindent 8 }}
        {{- if and (include "switchboard.runsWorker" .) (not .Values.worker.gatewayRunsJobs) }}
        # The worker Deployment runs the queued jobs; the gateway only enqueues them.
        - name: SWITCHBOARD__Queue__InProcessWorker
          value: "false"
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      # No preStop hook: on SIGTERM the gateway fails readiness and keeps serving for Shutdown:NotReadyDelay itself.
      startupProbe:
        httpGet: {path: /healthz/live, port: http}
        {{- toYaml .Values.probes.startup | nindent 8 }}
      readinessProbe:
        httpGet: {path: /healthz/ready, port: http}
        {{- toYaml .Values.probes.readiness | nindent 8 }}
      livenessProbe:
        httpGet: {path: /healthz/live, port: http}
        {{- toYaml .Values.probes.liveness | nindent 8 }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- include "switchboard.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: data
          mountPath: /data
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: data
      {{- if include "switchboard.usesSqlite" . }}
      persistentVolumeClaim:
        claimName: {{ include "switchboard.fullname" . }}-data
      {{- else }}
      # PostgreSQL holds the state; /data stays a small scratch folder.
      emptyDir:
        sizeLimit: 64Mi
      {{- end }}
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
  {{- if .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- range .Values.topologySpreadConstraints }}
    - {{- toYaml . | nindent 6 }}
      labelSelector:
        matchLabels:
          {{- include "switchboard.gatewaySelectorLabels" $ | nindent 10 }}
      {{- if $.Values.rollout.enabled }}
      # Spread each revision on its own: a canary's few pods must not count against the stable ones.
      matchLabelKeys: [rollouts-pod-template-hash]
      {{- else }}
      matchLabelKeys: [pod-template-hash]
      {{- end }}
    {{- end }}
  {{- end }}
  {{- if ne .Values.podAntiAffinity "none" }}
  affinity:
    podAntiAffinity:
      {{- if eq .Values.podAntiAffinity "hard" }}
      requiredDuringSchedulingIgnoredDuringExecution:
        - topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "switchboard.gatewaySelectorLabels" . | nindent 14 }}
      {{- else }}
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "switchboard.gatewaySelectorLabels" . | nindent 16 }}
      {{- end }}
  {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
