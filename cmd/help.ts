// Help text for the `switchyard` command.

export const MAIN_HELP = `switchyard — one OpenAI-compatible endpoint in front of every LLM provider

Usage:
  switchyard serve --config DIR [flags]          Serve the manifests in DIR and reload them when they change
  switchyard validate PATH... [flags]            Check manifest files and directories without serving (CI gate)
  switchyard explain --config DIR --model M      How the manifests would serve a model (route, targets, shares,
                                                 fallbacks, quotas, access), offline; for reviewing a change
  switchyard proxy --sync URL [flags]            Serve the routing tables the operator pushes (Kubernetes)
  switchyard operator [flags]                    Compile the cluster's Providers/ModelRoutes/Quotas and push them to proxies
  switchyard help [COMMAND]                      This help, or a command's flags and examples (same as COMMAND --help)
  switchyard version                             Print the version (same as --version)

Examples:
  switchyard serve --config examples/quickstart --auth open
  switchyard validate ./config && echo "config OK"
  switchyard validate --strict ./config ./secrets.yaml
  switchyard explain --config examples/cluster --model gpt-4o --team research
  switchyard help validate

Manifests are switchyard.dev/v1alpha1 Provider, ModelRoute and Quota objects and v1 Secrets, in *.yaml, *.yml
or *.json files. Docs: docs/configuration.md
`;

// The data plane's flags and stop note, the same for 'serve' and 'proxy'.
const OVERLOAD_DRAIN_HELP_FLAGS = `      --max-inflight N       Inference requests in flight in this process before new ones get 503
                             overloaded_error with Retry-After (default 4096, env SWITCHYARD_MAX_INFLIGHT;
                             0 = no limit)
      --max-inflight-per-key N
                             In flight per API key before its new requests get 429
                             concurrency_limit_exceeded with Retry-After, so one tenant cannot take every
                             slot (default 1024, env SWITCHYARD_MAX_INFLIGHT_PER_KEY; 0 = no limit)
      --max-inflight-per-team N
                             The same per team (default 2048, env SWITCHYARD_MAX_INFLIGHT_PER_TEAM; 0 = no limit)
      --max-event-loop-delay D
                             Shed new requests with 503 while the p99 event-loop delay of the last second
                             is above D (default 1s, env SWITCHYARD_MAX_EVENT_LOOP_DELAY; 0 = off)
      --drain-timeout D      On SIGTERM, how long requests and streams in flight may finish; those still
                             running then end with 503 shutting_down (a terminal error event on a stream)
                             (default 20s, env SWITCHYARD_DRAIN_TIMEOUT)
  -h, --help                 Show this help
`;

const DRAIN_STOP_NOTE = `Stop with Ctrl-C or SIGTERM: new connections are refused and requests in flight finish first (up to
--drain-timeout); a second signal exits at once.

Node runs with --max-semi-space-size=8 --expose-gc (bounded memory, given back when idle; a flag already in
NODE_OPTIONS is kept; env SWITCHYARD_NODE_FLAGS replaces the list, "" for none).
`;

export const SERVE_HELP = `Usage: switchyard serve --config DIR [flags]

Serves the manifests in DIR (every *.yaml, *.yml and *.json file directly in DIR) as an OpenAI-compatible
gateway, and recompiles them whenever a file changes. A file that fails to parse keeps the last good
configuration in use. Secret values may name environment variables: \${env:NAME}.

Flags:
  -c, --config DIR           Directory of manifests (required)
  -p, --port N               Data port for /v1/* (default 8080, env SWITCHYARD_PORT; 0 = any free port)
      --admin-port N         Admin port for /metrics, /healthz, /readyz, /debug/* (default 9090,
                             env SWITCHYARD_ADMIN_PORT); never served on the data port
      --host ADDR            Data listen address (default 0.0.0.0, env SWITCHYARD_HOST; use 127.0.0.1
                             to accept local clients only)
      --admin-host ADDR      Admin listen address (default: same as --host, env SWITCHYARD_ADMIN_HOST)
      --log-level LEVEL      fatal, error, warn, info, debug, trace or silent (default info,
                             env SWITCHYARD_LOG_LEVEL); logs are JSON lines on stdout
      --otlp-endpoint URL    Export traces over OTLP/HTTP (e.g. http://localhost:4318); also read from
                             OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. Off by default.
      --max-body-bytes N     Largest request body accepted, in bytes (default 4 MiB)
      --auth MODE            required (default) or open (env SWITCHYARD_AUTH). required: every request
                             needs a valid API key, and with no key Secrets every request gets 401. open:
                             requests without a key are served (a presented key is still checked); only for
                             a laptop or a trusted network. Never inferred from the number of keys.
      --oidc-config FILE     OIDC issuers (YAML/JSON) whose JWT bearer tokens are accepted beside API keys
                             (env SWITCHYARD_OIDC_CONFIG); keys are fetched in the background, and /readyz
                             shows whether each issuer's keys are loaded. See docs/configuration.md.
${OVERLOAD_DRAIN_HELP_FLAGS}
Examples:
  switchyard serve --config examples/quickstart --auth open
  switchyard serve --config /etc/switchyard --host 127.0.0.1 --port 8000 --log-level debug
  OPENAI_API_KEY=sk-... switchyard serve --config examples/quickstart-secured

${DRAIN_STOP_NOTE}`;

export const PROXY_HELP = `Usage: switchyard proxy --sync URL[,URL...] [flags]

Runs the gateway's data plane (the same OpenAI-compatible endpoint as 'serve') fed by the operator: it keeps a
stream open to one of the operator URLs, loads every routing table it pushes, acknowledges it, and reports
per-provider outcomes every 2 s. /readyz answers 503 until the first valid table is loaded. When the operator
is unreachable the proxy keeps serving its last table and retries with backoff (250 ms up to 10 s).

Flags:
      --sync URL[,URL...]    Operator sync address(es), tried in turn (required, env SWITCHYARD_SYNC_URL)
      --sync-token-file F    Bearer token for the sync calls, re-read on every call (e.g. a projected
                             ServiceAccount token; env SWITCHYARD_SYNC_TOKEN_FILE). Otherwise the token is
                             read from the SWITCHYARD_SYNC_TOKEN environment variable.
      --proxy-id ID          Name of this proxy in the operator's status (default: hostname-pid)
      --bootstrap FILE       Load this table snapshot (checked against its hash) before the operator answers
      --snapshot-out FILE    Save every accepted table here (mode 0600, atomic) for a later --bootstrap;
                             it holds provider credentials
      --quota-fail-mode M    closed (default) or open (env SWITCHYARD_QUOTA_FAIL_MODE): what quotas do when
                             the operator has not answered for 3 report intervals. closed: keep enforcing
                             this proxy's last allowances (limits hold; a new window admits nothing until
                             the operator is back). open: each proxy enforces whole limits by itself
                             (cluster-wide at most proxies x limit).
  -p, --port N               Data port for /v1/* (default 8080, env SWITCHYARD_PORT; 0 = any free port)
      --admin-port N         Admin port for /metrics, /healthz, /readyz, /debug/* (default 9090,
                             env SWITCHYARD_ADMIN_PORT)
      --host ADDR            Data listen address (default 0.0.0.0, env SWITCHYARD_HOST)
      --admin-host ADDR      Admin listen address (default: same as --host, env SWITCHYARD_ADMIN_HOST)
      --log-level LEVEL      fatal, error, warn, info, debug, trace or silent (default info,
                             env SWITCHYARD_LOG_LEVEL); logs are JSON lines on stdout
      --otlp-endpoint URL    Export traces over OTLP/HTTP (also OTEL_EXPORTER_OTLP_ENDPOINT). Off by default.
      --max-body-bytes N     Largest request body accepted, in bytes (default 4 MiB)
      --auth MODE            required (default) or open (env SWITCHYARD_AUTH). required: every request
                             needs a valid API key; a table without keys answers 401 to everyone (it never
                             opens the proxy). open: requests without a key are served.
      --oidc-config FILE     OIDC issuers (YAML/JSON) whose JWT bearer tokens are accepted beside API keys
                             (env SWITCHYARD_OIDC_CONFIG); see docs/configuration.md.
${OVERLOAD_DRAIN_HELP_FLAGS}
An https operator URL signed by a private CA needs NODE_EXTRA_CA_CERTS=/path/to/ca.pem.

Examples:
  switchyard proxy --sync http://switchyard-operator.switchyard:8443 \\
    --sync-token-file /var/run/secrets/switchyard/token --snapshot-out /var/lib/switchyard/table.json \\
    --bootstrap /var/lib/switchyard/table.json
  SWITCHYARD_SYNC_TOKEN=dev-token switchyard proxy --sync http://127.0.0.1:8443 --host 127.0.0.1

${DRAIN_STOP_NOTE}`;

export const OPERATOR_HELP = `Usage: switchyard operator [flags]

Runs the control plane in (or against) a Kubernetes cluster: watches switchyard.dev/v1alpha1 Providers,
ModelRoutes and Quotas and the Secrets they reference (and API-key Secrets), compiles them into a routing
table, and streams every new version to the connected 'switchyard proxy' processes. Writes status conditions
(Accepted, ResolvedRefs, Programmed, Healthy) with observedGeneration. Several replicas elect one leader with a
coordination.k8s.io Lease; only the leader publishes and writes status, and table versions are fenced so a
proxy never goes back to an older leader's table.

Flags:
      --kubeconfig FILE          Cluster credentials (default: in-cluster ServiceAccount, then $KUBECONFIG,
                                 then ~/.kube/config)
  -n, --namespace NS             Watch one namespace (default: all namespaces)
      --lease-namespace NS       Namespace of the leader Lease (default: --namespace, else the operator's own
                                 namespace in a cluster, else the kubeconfig context's, else default)
      --lease-name NAME          Name of the leader Lease (default switchyard-operator)
      --identity ID              Unique name of this replica in the Lease (default: $POD_NAME, else hostname-pid)
      --sync-port N              Port proxies connect to (default 8081, env SWITCHYARD_SYNC_PORT; 0 = any)
      --admin-port N             Admin port for /metrics, /healthz, /readyz, /debug/* (default 9091,
                                 env SWITCHYARD_ADMIN_PORT)
      --host ADDR                Listen address (default 0.0.0.0, env SWITCHYARD_HOST)
      --admin-host ADDR          Admin listen address (default: same as --host, env SWITCHYARD_ADMIN_HOST)
  Sync authentication (one of; every sync call needs "Authorization: Bearer <token>"):
      --sync-token-file F        Shared token in a file (re-read every 30 s)
      --sync-token-secret NS/NAME/KEY
                                 Shared token in a key of a Secret (re-read every 30 s)
      --sync-auth tokenreview    ServiceAccount tokens checked with the API server (TokenReview)
      --sync-allow ID[,ID...]    With tokenreview: the identities allowed, e.g.
                                 system:serviceaccount:switchyard:switchyard-proxy (recommended)
                                 Without any of these, the SWITCHYARD_SYNC_TOKEN environment variable is used.
  Leader election:
      --lease-duration D         How long a lease lasts without renewal (default 10s)
      --renew-deadline D         The leader steps down when it could not renew for this long (default 7s)
      --retry-period D           Renewal / acquisition attempt interval (default 2s)
      --status-qps N             Status writes per second at most (default 20)
      --log-level LEVEL          fatal, error, warn, info, debug, trace or silent (default info,
                                 env SWITCHYARD_LOG_LEVEL); logs are JSON lines on stdout
  -h, --help                     Show this help

Examples:
  switchyard operator --sync-token-secret switchyard/switchyard-sync/token
  switchyard operator --kubeconfig ~/.kube/config --namespace team-a --sync-port 8081 --admin-port 9091 \\
    --sync-token-file ./sync-token
  SWITCHYARD_SYNC_TOKEN=dev-token switchyard operator --host 127.0.0.1

Stop with Ctrl-C or SIGTERM: status writes stop, the Lease is released (a standby replica takes over at once)
and the proxies' streams are closed (they keep serving their last table and reconnect).
`;

export const VALIDATE_HELP = `Usage: switchyard validate PATH... [--strict] [--output table|json]

Loads and compiles manifests exactly as 'serve' would, without serving and without any network connection, and
says whether they would serve as written. A PATH is a directory (every *.yaml, *.yml and *.json file directly in
it) or a single file; give as many as you like. The output lists every object's status, then one ERROR or
WARNING line per finding (file, object, reason, what to do), then a last line OK: or FAILED: with the counts.

Errors (exit status 1):
  - a file cannot be read or parsed
  - no Provider, ModelRoute or Quota is found (other kinds are ignored)
  - an object is not accepted (invalid, conflicting name or key, unsafe URL, ...)
  - a reference inside the set does not resolve: a route's target or fallback names a Provider that does not
    exist or is not accepted, or a model the Provider does not list; a Quota downgrades to an unknown model
Warnings (exit status 0; errors with --strict):
  - a referenced Secret, or a key of it, is not in the set (a GitOps repository rarely holds its Secrets);
    objects that fail only because of it are reported as warnings too
  - a \${env:NAME} reference whose variable is not set or empty (values are never printed)
  - an API key that has expired or expires within 7 days (key material is never printed)

Exit status: 0 when there is no error; 1 when there is at least one; 2 on a usage error.

Flags:
      --strict          Count every warning as an error (use where the Secrets and variables must be present)
  -o, --output FORMAT   table (default) or json: {ok, strict, paths, files, errors[], warnings[], statuses[],
                        summary}; each error and warning has severity, reason, message, object and file
  -h, --help            Show this help

Examples:
  switchyard validate examples/quickstart
  switchyard validate routes.yaml providers.yaml secrets/
  OPENAI_API_KEY=sk-... switchyard validate --strict examples/quickstart-secured
  switchyard validate ./config --output json | jq '.errors[] | "\\(.file): \\(.reason): \\(.message)"'
`;

export const EXPLAIN_HELP = `Usage: switchyard explain --config PATH... --model NAME [--key SECRET | --team T [--user U]] [-o text|json]

Says how a set of manifests would serve one model name, without serving and without any network connection: the
ModelRoute it resolves to (by model or alias), each target's provider, upstream model, weight, priority and share
of first attempts, the fallback chain in order, retries, the access rules, and every Quota that counts requests to
the route. With a caller (--key, or --team and/or --user) it also says whether that caller may call the route and
which quotas count its requests. Made for reviewing a GitOps change: run it on the branch and on main and compare.

The manifests are read and compiled as 'switchyard validate' reads them (a PATH is a directory — every *.yaml,
*.yml and *.json file directly in it — or a file); Secrets and \${env:NAME} values that are absent are assumed
present, so a repository without its Secrets still explains (the output names them). The same explanation is
served live by the admin port: /debug/explain?model=NAME[&key=NS/NAME|&team=T&user=U].

Exit status: 0 explained; 1 a file cannot be loaded or no route serves NAME (the served names are listed);
2 on a usage error.

Flags:
  -c, --config PATH      Directory or file of manifests (required; repeat for several, e.g. a base and an overlay)
  -m, --model NAME       The model name clients send (required)
      --key SECRET       A caller by its API-key Secret: namespace/name, or a name when it is unique; its team,
                         user and allowed models come from the Secret when it is in the set
      --team T           A caller of team T (any of its keys)
      --user U           A caller with user U (with --team: both)
  -o, --output FORMAT    text (default) or json: the /debug/explain document plus "source" (files read,
                         Secrets assumed, objects not accepted)
  -h, --help             Show this help

Examples:
  switchyard explain --config examples/cluster --model gpt-4o
  switchyard explain --config examples/cluster --model claude-sonnet --team research
  switchyard explain -c examples/gitops/base -c examples/gitops/overlays/prod -m gpt-4o --key prod/ci-bot -o json
`;
