"""Stack names: `<site>-<layer>` and `<site>-ws-<project>`, parsed and formatted in one place."""

from __future__ import annotations

import pytest

from hubcore.stacks import Layer, StackName
from hubcore.values import ConfigError


@pytest.mark.parametrize(
    ("text", "site", "layer", "workspace"),
    [
        ("prod-kms", "prod", Layer.KMS, None),
        ("local-dr-compute", "local-dr", Layer.COMPUTE, None),
        ("staging-network", "staging", Layer.NETWORK, None),
        ("local-ws-cohort-a", "local", Layer.WORKSPACE, "cohort-a"),
        ("local-dr-ws-x1", "local-dr", Layer.WORKSPACE, "x1"),
    ],
)
def test_a_stack_name_parses_into_site_layer_and_project(text, site, layer, workspace) -> None:
    name = StackName.parse(text)
    assert (name.site, name.layer, name.workspace) == (site, layer, workspace)


@pytest.mark.parametrize(
    "text", ["prod-kms", "local-dr-compute", "local-ws-cohort-a", "a1-b2-ws-c3-d4"]
)
def test_formatting_a_parsed_name_gives_it_back(text: str) -> None:
    assert str(StackName.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    ["prod", "prod-database", "Prod-network", "-network", "prod-ws-", "prod-ws-Bad", "ws-network"],
)
def test_malformed_stack_names_are_rejected(text: str) -> None:
    with pytest.raises(ConfigError, match="<site>-<layer>"):
        StackName.parse(text)


def test_a_workspace_layer_needs_a_project_and_no_other_layer_has_one() -> None:
    with pytest.raises(ValueError):
        StackName("local", Layer.WORKSPACE)
    with pytest.raises(ValueError):
        StackName("local", Layer.KMS, "cohort-a")


def test_a_sibling_is_the_same_site_with_another_layer() -> None:
    assert StackName.parse("local-ws-a").sibling(Layer.NETWORK) == StackName.parse("local-network")


def test_a_reference_is_organisation_project_and_stack() -> None:
    assert StackName.parse("prod-kms").reference("organization") == "organization/hub/prod-kms"
