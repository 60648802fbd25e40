"""stack-sovereign-backend: The Pulumi state backend is under EU control (file:// or an EU S3
endpoint)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from hubcore.catalogue import EU_MEMBER_STATES, is_loopback_url
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule


def sovereign_endpoint(host: str | None, context: Context) -> bool:
    if not host:
        return False
    if is_loopback_url(f"http://{host}"):
        return True
    key = context.catalogue.provider_of_endpoint(f"https://{host}")
    return key is not None and context.catalogue.providers[key].headquarters in EU_MEMBER_STATES


def judge_backend(url: str, context: Context) -> str | None:
    """None when the backend is sovereign, else why it is not."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return None
    if scheme == "s3":
        endpoint = (parse_qs(parts.query).get("endpoint") or [""])[0]
        host = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}").hostname
        if sovereign_endpoint(host, context):
            return None
        if not host:
            return "an s3:// backend without endpoint= is Amazon S3, a US provider"
        return f"its S3 endpoint {host} belongs to no EU provider of the catalogue"
    if scheme in {"http", "https"} and "pulumi.com" in (parts.hostname or ""):
        return "it is Pulumi Cloud, hosted outside EU law"
    if scheme in {"azblob", "gs"}:
        return f"{scheme}:// stores state with a US cloud provider"
    return f"backend scheme {scheme or url!r} is not a known sovereign backend (file://, s3://)"


@rule(
    "stack-sovereign-backend",
    description="The Pulumi state backend is under EU control (file:// or an EU S3 endpoint).",
    remediation="Set hub:stateBackend to file:// or s3://<bucket>?endpoint=<EU endpoint>.",
    severity=Severity.CRITICAL,
    requirements=("STATE-SOVEREIGN", "SNC-19.6"),
    enforces=(
        "state on `file://` or an EU S3 endpoint, never Pulumi Cloud: `hub:stateBackend`, "
        "`HUB_STATE_BACKEND`, and the engine's own (`PULUMI_BACKEND_URL`, else `Pulumi.yaml`'s "
        "`backend.url`, else the current `pulumi login`)"
    ),
    scope=Scope.STACK,
)
def stack_sovereign_backend(context: Context) -> list[Outcome]:
    """Passes: file://, or s3:// whose endpoint a catalogue EU provider (or loopback) serves,
    for every backend the hub or the engine may use: hub:stateBackend (hubctl's), and the
    engine's own when set: HUB_STATE_BACKEND, PULUMI_BACKEND_URL, Pulumi.yaml's backend.url,
    the backend `pulumi login` made current in $PULUMI_HOME/credentials.json.
    Fails: Pulumi Cloud (configured, current, or seen in an export's secrets manager), s3://
    without an EU endpoint, azblob://, gs://, anything unknown; a credentials file that cannot
    be read. Not applicable: none configured anywhere."""
    site = context.site
    outcomes: list[Outcome] = []
    if site.observed_secrets_provider == "service":
        outcomes.append(
            failed(
                "the state was exported from Pulumi Cloud (its secrets manager is 'service'): "
                "state for the hub never goes there. Move the stack to a sovereign backend.",
            )
        )
    candidates: list[tuple[str, str, tuple[str, ...]]] = []
    url = site.text("hub:stateBackend")
    if url is not None:
        candidates.append(("hub:stateBackend", url, ("hub:stateBackend",)))
    sources = site.sources
    if sources is not None:
        if sources.environment.get("HUB_STATE_BACKEND"):
            candidates.append(("HUB_STATE_BACKEND", sources.environment["HUB_STATE_BACKEND"], ()))
        # The engine's own backend, in its order: the variable, the project, the login.
        backend = (sources.project or {}).get("backend")
        engine = [
            ("PULUMI_BACKEND_URL", sources.environment.get("PULUMI_BACKEND_URL")),
            (
                "Pulumi.yaml backend.url",
                str(backend["url"])
                if isinstance(backend, Mapping) and backend.get("url")
                else None,
            ),
            ("the current `pulumi login` (credentials.json)", sources.credentials_backend),
        ]
        chosen = next(((where, text) for where, text in engine if text), None)
        if chosen is not None:
            candidates.append((chosen[0], chosen[1], ()))
        elif sources.credentials_problem:
            outcomes.append(
                failed(
                    f"the engine's login cannot be read ({sources.credentials_problem}): the "
                    "backend it would use cannot be judged.",
                )
            )
    for where, text, keys in candidates:
        reason = judge_backend(text, context)
        if reason is None:
            outcomes.append(passed())
            continue
        outcomes.append(
            failed(
                f"state backend {text!r} ({where}) is not sovereign: {reason}. Use file:// or "
                "s3://<bucket>?endpoint=s3.<region>.io.cloud.ovh.net.",
                value=text if keys else None,
                config_keys=keys,
            )
        )
    return outcomes or [not_applicable("no backend configured")]
