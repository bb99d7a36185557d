// Help text for the `switchyard` command.

export const MAIN_HELP = `switchyard — one OpenAI-compatible endpoint in front of every LLM provider

Usage:
  switchyard serve --config DIR [flags]          Serve the manifests in DIR and reload them when they change
  switchyard validate DIR [--output table|json]  Check the manifests in DIR without serving
  switchyard <command> --help                    Flags and examples for a command
  switchyard --version                           Print the version

Examples:
  switchyard serve --config examples/quickstart
  switchyard validate ./config && echo "config OK"

Manifests are switchyard.dev/v1alpha1 Provider, ModelRoute and Quota objects and v1 Secrets, in *.yaml, *.yml
or *.json files. Docs: docs/configuration.md
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
  -h, --help                 Show this help

Examples:
  switchyard serve --config examples/quickstart
  switchyard serve --config /etc/switchyard --host 127.0.0.1 --port 8000 --log-level debug
  OPENAI_API_KEY=sk-... switchyard serve --config examples/quickstart-secured

Stop with Ctrl-C or SIGTERM: new connections are refused and requests in flight finish first.
`;

export const VALIDATE_HELP = `Usage: switchyard validate DIR [--output table|json]

Loads and compiles the manifests in DIR exactly as 'serve' would and prints every object's status
(Accepted, ResolvedRefs, reason and message), plus files that could not be parsed and warnings such as
unset environment variables. Nothing is served and no network connection is made.

Exit status: 0 when every object is accepted; 1 when a file cannot be parsed, no manifest is found, or an
object is not accepted; 2 on a usage error.

Flags:
  -o, --output FORMAT   table (default) or json
  -h, --help            Show this help

Examples:
  switchyard validate examples/quickstart
  switchyard validate ./config --output json | jq '.statuses[] | select(.conditions[0].status != "True")'
`;
