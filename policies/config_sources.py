"""Every source of configuration the engine and the providers read, each judged or refused.

Enumerated from the engine's and the providers' own code at the pinned versions (the Go module
cache of the toolchain build holds them): pulumi/pulumi sdk/go/common/workspace/project.go (the
project file and a stack file's fields), sdk/go/common/env/env.go and the CLI's other
`os.Getenv("PULUMI_*")` calls (the engine's variables), terraform-provider-openstack v3.4.0
openstack/provider.go (the `OS_*` defaults of every provider setting) with
terraform-provider-openstack/utils auth/config.go and gophercloud/utils clientconfig (what a
`cloud` setting reads: policies/clouds_yaml.py), and the providers' config section in the schema
(policies/schema.json, classified in policies/properties.py with the resources).

| source | where it is judged |
| --- | --- |
| `Pulumi.yaml`, every top-level key | PROJECT_FILE below; `stack-config-sources` |
| the project's `config:` block | refused: config lives in stacks/sites.yaml and stack files |
| the project's `backend:` | `stack-sovereign-backend`, as the engine's backend |
| a stack file, every top-level key | STACK_FILE below; `stack-config-sources` |
| `secretsprovider:`, `encryptedkey:` | `stack-sovereign-secrets-provider` |
| `environment:` (Pulumi ESC) | refused: environments are fetched from Pulumi Cloud |
| provider config keys (`openstack:*`, `tls:*`) | the schema's config section (properties.py) |
| clouds.yaml, secure.yaml, clouds-public.yaml | policies/clouds_yaml.py (as gophercloud reads) |
| environment variables | ENVIRONMENT below; `stack-environment` and the provider rules |
| `$PULUMI_HOME/credentials.json` | its current backend, `stack-sovereign-backend` |

Each entry is a Verdict of policies/properties.py: Judged (by named rules), Inert (with the
reason) or Refused (allowed only unset, or at the default named). A source the offline check
cannot read is a violation naming it (fail closed), never skipped.
"""

from __future__ import annotations

from policies.properties import Inert, Judged, Refused, Verdict, judged

# --- Pulumi.yaml (workspace.Project) ------------------------------------------------------------

PROJECT_FILE: dict[str, Verdict] = {
    "name": Inert("the project's name (`hub`), part of every URN"),
    "runtime": Judged(("stack-config-sources",)),
    "main": Refused("another program directory than the repository's __main__.py"),
    "description": Inert("free text"),
    "author": Inert("free text"),
    "website": Inert("free text"),
    "license": Inert("free text"),
    "config": Refused(
        "project-wide config applies to every stack outside stacks/sites.yaml and the stack "
        "files, where site facts are decided once and every value is judged with its line"
    ),
    "stackConfigDir": Judged(("stack-config-sources",)),
    "template": Inert("used by `pulumi new` only"),
    "backend": judged("stack-sovereign-backend"),
    "options": Judged(("stack-config-sources",)),
    "packages": Refused("package references the engine would fetch and generate code for"),
    "plugins": Refused(
        "plugin binaries from local paths instead of the project's toolchain build: code no "
        "review built runs as the provider, the language host or the policy analyzer"
    ),
    "requiredPulumiVersion": Inert("a version constraint the CLI checks"),
}
# Pulumi.yaml `runtime:` as the toolchain's language host runs it.
PROJECT_RUNTIME = {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
PROJECT_STACK_DIR = "stacks"
PROJECT_OPTIONS = {"refresh": Inert("whether `up` refreshes first")}

# --- a stack file (workspace.ProjectStack) --------------------------------------------------------

STACK_FILE: dict[str, Verdict] = {
    "config": Judged(("stack-config-sources", "stack-site-facts-decided-once")),
    "encryptionsalt": Inert("the passphrase provider's salt; it encrypts, it decides nothing"),
    "encryptedkey": judged("stack-sovereign-secrets-provider"),
    "secretsprovider": judged("stack-sovereign-secrets-provider"),
    "environment": Refused(
        "Pulumi ESC environments are fetched from Pulumi Cloud at every run: configuration "
        "(and secrets) from outside EU law, which no offline check can read"
    ),
}

# --- environment variables ---------------------------------------------------------------------

CREDENTIAL = Inert("credentials or their scope: who acts, inside the judged identity service")
SET_BY_ENGINE = Inert("set by the engine for the plugins it starts (this very analyzer too)")
CI_METADATA = Inert("update metadata the engine sends only to Pulumi Cloud backends (refused)")
# The engine runs an OTLP collector of its own on loopback and tells its plugins where
# (PULUMI_LOG_OTLP_ENDPOINT=localhost:PORT): judged as a proxy is, loopback or the site only.
TELEMETRY = judged("stack-environment")

ENGINE_SET = (
    "PULUMI_STACK", "PULUMI_PROJECT", "PULUMI_ORGANIZATION", "PULUMI_CONFIG",
    "PULUMI_CONFIG_SECRET_KEYS", "PULUMI_DRY_RUN", "PULUMI_MONITOR", "PULUMI_ENGINE",
    "PULUMI_ROOT_DIRECTORY", "PULUMI_RUNTIME_VIRTUALENV", "PULUMI_RUNTIME_TOOLCHAIN",
    "PULUMI_NODEJS_ORGANIZATION", "PULUMI_NODEJS_PROJECT", "PULUMI_NODEJS_STACK",
    "PULUMI_NODEJS_CONFIG", "PULUMI_NODEJS_DRY_RUN", "PULUMI_NODEJS_MONITOR",
    "PULUMI_NODEJS_ENGINE", "PULUMI_NODEJS_PARALLEL", "PULUMI_NODEJS_SYNC",
    "PULUMI_NODEJS_QUERY_MODE", "PULUMI_NODEJS_ROOT_DIRECTORY", "PULUMI_LANGUAGE_PLUGIN",
    "PULUMI_PYTHON_VIRTUALENV",
)  # fmt: skip
CI_SET = (
    "PULUMI_CI_BRANCH_NAME", "PULUMI_CI_BUILD_ID", "PULUMI_CI_BUILD_NUMBER",
    "PULUMI_CI_BUILD_TYPE", "PULUMI_CI_BUILD_URL", "PULUMI_CI_PULL_REQUEST_SHA",
    "PULUMI_CI_SYSTEM", "PULUMI_PR_NUMBER", "PULUMI_COMMIT_MESSAGE", "PULUMI_GIT_AUTHOR",
    "PULUMI_GIT_AUTHOR_EMAIL", "PULUMI_GIT_COMMITTER", "PULUMI_GIT_COMMITTER_EMAIL",
    "PULUMI_GIT_COMMIT_MESSAGE", "PULUMI_GIT_HEAD", "PULUMI_GIT_HEAD_NAME",
    "PULUMI_VCS_REPO_KIND", "PULUMI_VCS_REPO_NAME", "PULUMI_VCS_REPO_OWNER",
    "PULUMI_VCS_REPO_ROOT",
)  # fmt: skip

ENVIRONMENT: dict[str, Verdict] = {
    # terraform-provider-openstack's DefaultFunc variables (provider.go), and gophercloud's.
    "OS_AUTH_URL": judged("region-identity-endpoint-eu", "endpoints-transport-security"),
    "OS_REGION_NAME": judged("region-eu-only"),
    "OS_CLOUD": judged("endpoints-cloud-entry", "region-eu-only"),
    "OS_INSECURE": judged("endpoints-transport-security"),
    "OS_CLIENT_CONFIG_FILE": judged("endpoints-cloud-entry"),
    "OS_SWAUTH": Refused("Swift v1 auth past the judged identity service", default=False),
    "OS_USERNAME": CREDENTIAL,
    "OS_USER_ID": CREDENTIAL,
    "OS_PASSWORD": CREDENTIAL,
    "OS_TOKEN": CREDENTIAL,
    "OS_AUTH_TOKEN": CREDENTIAL,
    "OS_APPLICATION_CREDENTIAL_ID": CREDENTIAL,
    "OS_APPLICATION_CREDENTIAL_NAME": CREDENTIAL,
    "OS_APPLICATION_CREDENTIAL_SECRET": CREDENTIAL,
    "OS_TENANT_ID": CREDENTIAL,
    "OS_TENANT_NAME": CREDENTIAL,
    "OS_PROJECT_ID": CREDENTIAL,
    "OS_PROJECT_NAME": CREDENTIAL,
    "OS_USER_DOMAIN_NAME": CREDENTIAL,
    "OS_USER_DOMAIN_ID": CREDENTIAL,
    "OS_PROJECT_DOMAIN_NAME": CREDENTIAL,
    "OS_PROJECT_DOMAIN_ID": CREDENTIAL,
    "OS_DOMAIN_ID": CREDENTIAL,
    "OS_DOMAIN_NAME": CREDENTIAL,
    "OS_DEFAULT_DOMAIN": CREDENTIAL,
    "OS_SYSTEM_SCOPE": CREDENTIAL,
    "OS_IDENTITY_API_VERSION": Inert("v2 or v3 of the same judged identity service"),
    "OS_INTERFACE": Inert("public, internal or admin endpoints of the judged catalogue"),
    "OS_ENDPOINT_TYPE": Inert("public, internal or admin endpoints of the judged catalogue"),
    "OS_CACERT": Inert("a CA bundle: it adds trust anchors; verification stays on"),
    "OS_CERT": Inert("a client certificate for mutual TLS: who authenticates"),
    "OS_KEY": Inert("a client key for mutual TLS: who authenticates"),
    "OS_DELAYED_AUTH": Inert("authenticates on first use"),
    "OS_ALLOW_REAUTH": Inert("re-authenticates when a token expires"),
    "OS_DEBUG": Inert("verbose HTTP logs on the deploying machine"),
    "OS_CLIENT_SECURE_FILE": Inert(
        "gophercloud does not read it (openstacksdk does, for hubctl's own API calls)"
    ),
    # The engine's own (sdk/go/common/env/env.go and the CLI).
    "PULUMI_BACKEND_URL": judged("stack-sovereign-backend"),
    "PULUMI_API": Refused("the Pulumi Cloud API: state for the hub never goes there"),
    "PULUMI_ACCESS_TOKEN": Refused(
        "a Pulumi Cloud token: state, ESC environments and updates go to Pulumi Cloud"
    ),
    "PULUMI_CONFIG_PASSPHRASE": Inert("the passphrase secrets provider's key (sovereign)"),
    "PULUMI_CONFIG_PASSPHRASE_FILE": Inert("the passphrase secrets provider's key (sovereign)"),
    "PULUMI_HOME": judged("stack-sovereign-backend"),
    "PULUMI_SKIP_UPDATE_CHECK": Inert("no update check: one less call home"),
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": Inert("no plugin downloads"),
    "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": Inert("a version check of the CLI"),
    "PULUMI_AUTOMATION_API": Inert("set by the Automation API hubctl drives the engine with"),
    "PULUMI_ENABLE_LEGACY_APPLY": Inert("how the Python SDK runs applies"),
    "PULUMI_ACCEPT": Inert("answers the CLI's prompts"),
    "PULUMI_PYTHON_CMD": Inert("the interpreter of the project's virtualenv"),
    "PULUMI_DEBUG_COMMANDS": Inert("shows the CLI's debugging commands"),
    "PULUMI_EXPERIMENTAL": Inert("shows experimental CLI features"),
    "PULUMI_SKIP_CONFIRMATIONS": Inert("answers yes to the CLI's prompts"),
    "PULUMI_SKIP_CHECKPOINTS": Inert("fewer state writes during an update"),
    "PULUMI_PARALLEL": Inert("how many operations run at once"),
    "PULUMI_PARALLEL_DIFF": Inert("how diffs are computed"),
    "PULUMI_PARALLEL_ANALYZE": Inert("how policies are run"),
    "PULUMI_CONTINUE_ON_ERROR": Inert("keeps updating after a failure"),
    "PULUMI_ERROR_ON_DEPENDENCY_CYCLES": Inert("a program check"),
    "PULUMI_ERROR_OUTPUT_STRING": Inert("how an error is printed"),
    "PULUMI_DISABLE_VALIDATION": Inert("a CLI input check"),
    "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": Inert("a warning of the file/S3 backend"),
    "PULUMI_DIY_BACKEND_IGNORE_DEPRECATION_ERROR": Inert("a warning of the file/S3 backend"),
    "PULUMI_DIY_BACKEND_LEGACY_LAYOUT": Inert("how the file/S3 backend lays out stacks"),
    "PULUMI_DIY_BACKEND_GZIP": Inert("compresses state on the file/S3 backend"),
    "PULUMI_DIY_BACKEND_ZSTD": Inert("compresses state on the file/S3 backend"),
    "PULUMI_DIY_BACKEND_RETAIN_CHECKPOINTS": Inert("keeps old state on the same backend"),
    "PULUMI_DIY_BACKEND_DISABLE_CHECKPOINT_BACKUPS": Inert("no state backups"),
    "PULUMI_DIY_BACKEND_PARALLEL": Inert("parallel writes to the same backend"),
    "PULUMI_DISABLE_SECRET_CACHE": Inert("decrypts secrets again each time"),
    "PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": Inert("uses the state's own secrets manager"),
    "PULUMI_DISABLE_JOURNALING": Inert("how state is written"),
    "PULUMI_JOURNALING_BATCH_SIZE": Inert("how state is written"),
    "PULUMI_JOURNALING_BATCH_PERIOD": Inert("how state is written"),
    "PULUMI_OPTIMIZED_CHECKPOINT_PATCH": Inert("how state is written"),
    "PULUMI_LOG_ROTATION_MAX_AGE_DAYS": Inert("local log rotation"),
    "PULUMI_LOG_ROTATION_MAX_TOTAL_MB": Inert("local log rotation"),
    "PULUMI_GOROUTINE_PANIC_RECOVERY": Inert("how the engine recovers from a crash"),
    "PULUMI_DISABLE_PROVIDER_PREVIEW": Inert("how previews ask providers"),
    "PULUMI_LEGACY_PROVIDER_PREVIEW": Inert("how previews ask providers"),
    "PULUMI_DISABLE_RESOURCE_REFERENCES": Inert("how resources are passed to programs"),
    "PULUMI_DISABLE_OUTPUT_VALUES": Inert("how outputs are passed to programs"),
    "PULUMI_ENABLE_LEGACY_DIFF": Inert("how diffs are shown"),
    "PULUMI_ENABLE_LEGACY_REFRESH_DIFF": Inert("how diffs are shown"),
    "PULUMI_ENABLE_STREAMING_JSON_PREVIEW": Inert("how previews are printed"),
    "PULUMI_DISABLE_REFRESH_BEFORE_UPDATE": Inert("whether a refresh runs first"),
    "PULUMI_OPTION_REFRESH": Inert("whether a refresh runs first"),
    "PULUMI_RUN_PROGRAM": Inert("whether refresh and destroy run the program"),
    "PULUMI_DISABLE_REGISTRY_RESOLVE": Inert("no registry lookups"),
    "PULUMI_IGNORE_AMBIENT_PLUGINS": Inert("plugins from PATH are ignored"),
    "PULUMI_DISABLE_CI_DETECTION": Inert("no CI metadata"),
    "PULUMI_SUPPRESS_NEO_LINK": Inert("no link to Pulumi's AI assistant"),
    "PULUMI_DEBUG_GRPC": Inert("writes the engine's gRPC log to a local file"),
    "PULUMI_DEFAULT_ORGANIZATION": Inert("the organisation part of stack names"),
    "PULUMI_ENABLE_LEGACY_PLUGIN_SEARCH": Refused(
        "searches PATH for plugins instead of the project's toolchain build"
    ),
    "PULUMI_DEBUG_PROVIDERS": Refused(
        "attaches the engine to providers already listening on a port: code the toolchain "
        "did not build runs as the provider"
    ),
    "PULUMI_DEBUG_LANGUAGES": Refused(
        "attaches the engine to a language host already listening on a port"
    ),
    "PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES": Refused(
        "downloads plugins from other servers than the toolchain's own build"
    ),
    "PULUMI_CREDENTIAL_STORE": Refused("keeps Pulumi Cloud credentials outside PULUMI_HOME"),
    "PULUMI_CREDENTIAL_HELPER": Refused("runs a program to fetch Pulumi Cloud credentials"),
    "PULUMI_CREDENTIAL_HELPER_ARGS": Refused("runs a program to fetch Pulumi Cloud credentials"),
    "PULUMI_ENABLE_AUTOMATIC_AGENT_SIGNUP": Refused("signs up to a Pulumi Cloud service"),
    "PULUMI_NEO": Refused("sends the update to Pulumi's hosted AI assistant"),
    "PULUMI_NEO_SUMMARY_MODEL": Refused("sends the update to Pulumi's hosted AI assistant"),
    "PULUMI_NEO_SUMMARY_MAXLEN": Refused("sends the update to Pulumi's hosted AI assistant"),
    "PULUMI_CLOUD_SECRET_OVERRIDE": Refused("a Pulumi Cloud secrets manager"),
    "PULUMI_GITSSH_PASSPHRASE": Inert("unlocks a git SSH key for `pulumi new`"),
    "PULUMI_OTEL_EXPORTER_OTLP_ENDPOINT": TELEMETRY,
    "PULUMI_LOG_OTLP_ENDPOINT": TELEMETRY,
    "PULUMI_TRACING_HEADER": Inert("a header the engine adds to its own traces"),
    "PULUMI_TRACING_NO_PAYLOADS": Inert("leaves payloads out of traces"),
    "PULUMI_TRACING_MEMSTATS_POLL_INTERVAL": Inert("how often traces sample memory"),
    # Set by the engine for the plugins and programs it runs.
    **{name: SET_BY_ENGINE for name in ENGINE_SET},
    **{name: CI_METADATA for name in CI_SET},
    # The hub's own.
    "HUB_STATE_BACKEND": judged("stack-sovereign-backend"),
    # Any HTTP client of the engine, the providers and gophercloud routes through these.
    "HTTPS_PROXY": judged("stack-environment"),
    "HTTP_PROXY": judged("stack-environment"),
    "https_proxy": judged("stack-environment"),
    "http_proxy": judged("stack-environment"),
    "ALL_PROXY": judged("stack-environment"),
    "all_proxy": judged("stack-environment"),
    "NO_PROXY": Inert("hosts reached without the proxy"),
    "no_proxy": Inert("hosts reached without the proxy"),
}
# Prefixes whose every variable the engine or the providers may read: a name of one of these
# families that ENVIRONMENT does not list is refused (fail closed), never passed. Variables of
# the engine's own test suite (PULUMI_TEST_*) fall there.
CLOSED_PREFIXES = ("OS_", "PULUMI_")
# Variables whose value is an endpoint the engine's or a provider's traffic goes through: only
# this machine (loopback) or a private address of the site passes.
PROXY_VARIABLES = tuple(
    name for name, verdict in ENVIRONMENT.items()
    if verdict == judged("stack-environment") and not name.lower().startswith("no_")
)  # fmt: skip


def classify_variable(name: str) -> Verdict | None:
    """The verdict on an environment variable; None for one outside the closed families (the
    engine and the providers read no such variable)."""
    if name in ENVIRONMENT:
        return ENVIRONMENT[name]
    if name.startswith(CLOSED_PREFIXES):
        return Refused(
            f"not among the variables the pack knows the engine or the OpenStack provider read "
            f"(policies/config_sources.py); what {name} would change cannot be judged"
        )
    return None
