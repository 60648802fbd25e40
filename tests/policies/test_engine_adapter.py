"""The pack under CrossGuard's own servicer gives the findings `hubctl check` gives.

pulumi-policy's analyzer servicer is driven here with the requests the engine sends (stack
config first, then one Analyze per resource with its provider, then AnalyzeStack), built from
the same synthesized stack. The engine test in tests/engine runs the real CLI; this one pins the
adapter without it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel
from pulumi_policy import policy as policy_sdk

from hubcore.wire import SECRET_SIG, SIG_KEY
from hubctl.targets import target_of_synth
from policies.config import PackConfig
from policies.engine import ENGINE_STACK, PACK_NAME, install_hooks, policies
from policies.evaluate import evaluate
from policies.registry import REGISTRY, Scope
from synth.records import ResourceRecord, SynthResult

# What the engine would decrypt: prod's private identity endpoint lies inside the domain its
# site declares (hub:identityDomain), as a real pod endpoint would.
DECRYPTED = {"authUrl": "https://identity.pod-1234.cloud.ovh.net/v3"}


def _struct(record: ResourceRecord) -> struct_pb2.Struct:
    properties: dict[str, Any] = copy.deepcopy(record.inputs)
    for path in record.secret_paths:
        if path in properties:  # the engine sends secrets marked, with their value
            value = DECRYPTED.get(path, "decrypted-by-the-engine")
            properties[path] = {SIG_KEY: SECRET_SIG, "value": value}
    struct = struct_pb2.Struct()
    struct.update(properties)
    return struct


def _provider(record: ResourceRecord, by_urn: dict[str, ResourceRecord]):
    provider = by_urn.get(record.provider_urn or "")
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, urn=provider.urn, name=provider.name, properties=_struct(provider)
    )


def _dependencies(record: ResourceRecord, by_id: dict[str, list[str]]) -> dict[str, Any]:
    """What the engine knows and ids do not tell during a preview: which resources an input
    was computed from (here recovered from the mocks' "<name>-id" ids)."""
    return {
        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=by_id[value])
        for key, value in record.inputs.items()
        if isinstance(value, str) and value in by_id
    }


def engine_findings(result: SynthResult) -> set[tuple[str, str]]:
    assert install_hooks()
    servicer: Any = policy_sdk._PolicyAnalyzerServicer(
        PACK_NAME, "0.1.0", policies(), EnforcementLevel.ADVISORY
    )
    servicer.ConfigureStack(
        analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=result.stack,
            project="hub",
            config={k: v.value for k, v in result.config.items()},
            config_secret_keys=[k for k, v in result.config.items() if v.secret],
        ),
        None,
    )
    by_urn = {r.urn: r for r in result.resources}
    found: set[tuple[str, str]] = set()
    for record in result.resources:
        request = analyzer_pb2.AnalyzeRequest(
            type=record.type,
            urn=record.urn,
            name=record.name,
            properties=_struct(record),
            provider=_provider(record, by_urn),
        )
        found |= {
            (d.policyName, d.urn or record.urn) for d in servicer.Analyze(request, None).diagnostics
        }
    by_id: dict[str, list[str]] = {}
    for r in result.resources:
        by_id.setdefault(f"{r.name}-id", []).append(r.urn)
    stack_request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                urn=r.urn,
                name=r.name,
                properties=_struct(r),
                provider=_provider(r, by_urn),
                parent=r.parent or "",
                propertyDependencies=_dependencies(r, by_id),
            )
            for r in result.resources
        ]
    )
    stack_urn = target_of_synth(result).stack_urn
    found |= {
        (d.policyName, d.urn or stack_urn)
        for d in servicer.AnalyzeStack(stack_request, None).diagnostics
    }
    return found


def offline_findings(result: SynthResult) -> set[tuple[str, str]]:
    report = evaluate(target_of_synth(result), PackConfig())
    return {(v.policy, v.urn) for v in report.violations}


@pytest.mark.parametrize(
    ("stack", "overrides"),
    [
        ("staging-network", {}),
        ("staging-network", {"openstack:region": "UK1"}),
        ("prod-kms", {"hub:tls": '{"algorithm": "RSA", "rsaBits": 2048}'}),
        ("dr-kms", {"hub:secretsProvider": "awskms://alias/x", "hub:stateBackend": "s3://b"}),
    ],
    ids=["clean", "non-eu-region", "weak-rsa", "foreign-state"],
)
def test_the_engine_adapter_reports_what_the_offline_check_reports(synth, stack, overrides):
    result = synth(stack, **{k.replace(":", "__"): v for k, v in overrides.items()})
    offline = offline_findings(result)
    assert engine_findings(result) == offline
    if overrides:
        assert offline, "the mutated stack must give findings"


def test_secret_inputs_sent_by_the_engine_stay_secrets(synth):
    result = synth("prod-kms")
    assert not {f for f in engine_findings(result) if f[0] == "secrets-no-plaintext"}
    facts = ENGINE_STACK.facts()
    assert facts.stack == "prod-kms" and facts.production is True


def test_a_payload_the_engine_sends_in_clear_is_reported(synth):
    result = synth("prod-kms")
    key = next(r for r in result.resources if r.name.endswith("ca-key") and "secretV1" in r.type)
    clear = key.model_copy(
        update={
            "secret_paths": frozenset(),
            "inputs": {**key.inputs, "payload": "-----BEGIN PRIVATE KEY-----\nMIG...\n"},
        }
    )
    changed = result.model_copy(
        update={"resources": [clear if r.urn == key.urn else r for r in result.resources]}
    )
    changed.config = result.config
    assert ("secrets-no-plaintext", key.urn) in engine_findings(changed)


def test_every_rule_runs_as_the_policy_kind_its_scope_needs():
    kinds = {p.name: type(p).__name__ for p in policies()}
    for rule_id, rule in REGISTRY.items():
        expected = (
            "ResourceValidationPolicy" if rule.scope is Scope.RESOURCE else "StackValidationPolicy"
        )
        assert kinds[rule_id] == expected, rule_id


def test_under_the_engine_the_secret_endpoint_must_agree_with_the_companion_domain(
    synth, monkeypatch
):
    """Offline prod passes through hub:identityDomain; the engine sees the secret itself."""
    result = synth("prod-network")
    provider = (
        "region-identity-endpoint-eu",
        next(r.urn for r in result.resources if r.type == "pulumi:providers:openstack"),
    )
    assert provider not in engine_findings(result)
    monkeypatch.setitem(DECRYPTED, "authUrl", "https://auth.us.cloud.ovh.us/v3")
    assert provider in engine_findings(result)
    monkeypatch.setitem(DECRYPTED, "authUrl", "https://keystone.other-cloud.example/v3")
    found = engine_findings(result)
    assert provider in found
    assert not any("other-cloud" in f[1] for f in found)


def test_a_secret_the_engine_decrypts_is_never_printed(synth, monkeypatch):
    result = synth("prod-network")
    monkeypatch.setitem(DECRYPTED, "authUrl", "http://keystone.leaky-name.example/v3")
    assert install_hooks()
    servicer: Any = policy_sdk._PolicyAnalyzerServicer(
        PACK_NAME, "0.1.0", policies(), EnforcementLevel.ADVISORY
    )
    servicer.ConfigureStack(
        analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=result.stack, project="hub", config={}, config_secret_keys=[]
        ),
        None,
    )
    by_urn = {r.urn: r for r in result.resources}
    provider = next(r for r in result.resources if r.type == "pulumi:providers:openstack")
    request = analyzer_pb2.AnalyzeRequest(
        type=provider.type,
        urn=provider.urn,
        name=provider.name,
        properties=_struct(provider),
        provider=_provider(provider, by_urn),
    )
    messages = [d.message for d in servicer.Analyze(request, None).diagnostics]
    assert messages and all("leaky-name" not in m for m in messages)


def test_a_rule_with_settings_but_no_level_keeps_its_own_level_under_the_engine() -> None:
    """The engine reads a config entry without enforcementLevel as the pack's default level
    (advisory): crypto-key-strength's settings in pack-config.json must not make it advisory."""
    from pulumi_policy import EnforcementLevel

    from policies.engine import initial_config

    entry = initial_config()["crypto-key-strength"]
    assert isinstance(entry, dict)
    assert entry["enforcementLevel"] == EnforcementLevel.MANDATORY
    assert entry["allowEd25519"] is True
