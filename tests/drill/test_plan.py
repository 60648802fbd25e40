"""The drill's safety checks and plan, read from the code's own stacks/ configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubcore.stacks import SITE_LAYERS, Layer
from hubctl.drill.model import Scenario
from hubctl.drill.plan import DrillRefused, prepare, waves
from infra.kinds import LAYER_DEPENDENCIES


def test_a_production_target_is_refused() -> None:
    with pytest.raises(DrillRefused, match="production"):
        prepare("local", "prod", Scenario.REGION_LOSS)


def test_a_production_target_is_refused_even_for_the_site_it_protects() -> None:
    with pytest.raises(DrillRefused, match="production"):
        prepare("dr", "prod", Scenario.STATE_LOSS)


def test_a_target_that_is_not_the_declared_dr_site_is_refused() -> None:
    with pytest.raises(DrillRefused, match="not 'local''s DR site"):
        prepare("local", "dr", Scenario.REGION_LOSS)


def test_the_site_itself_is_refused_as_target() -> None:
    with pytest.raises(DrillRefused, match="the site itself"):
        prepare("local", "local", Scenario.REGION_LOSS)


def test_an_unknown_site_is_refused_with_the_known_ones() -> None:
    with pytest.raises(DrillRefused, match=r"no stack files.*local-dr"):
        prepare("local", "nowhere", Scenario.REGION_LOSS)


def test_the_local_site_drills_into_its_second_region() -> None:
    plan = prepare("local", "local-dr", Scenario.REGION_LOSS)
    assert (plan.site.region_name, plan.target.region_name) == ("LOCAL1", "LOCAL2")
    assert plan.site.replica_region == plan.target.region_name


def test_prod_may_be_drilled_into_its_dr_site() -> None:
    plan = prepare("prod", "dr", Scenario.REGION_LOSS)
    assert plan.target.protects == "prod"
    assert not plan.target.production


def test_network_and_kms_start_together_then_storage_and_compute() -> None:
    assert waves(parallel=True) == [[Layer.NETWORK, Layer.KMS], [Layer.STORAGE, Layer.COMPUTE]]


def test_every_layer_starts_after_the_layers_it_reads() -> None:
    for plan in (waves(parallel=True), waves(parallel=False)):
        seen: set[Layer] = set()
        for wave in plan:
            for layer in wave:
                assert set(LAYER_DEPENDENCIES[layer]) <= seen, (layer, plan)
            seen.update(wave)


def test_the_sequential_plan_runs_one_layer_at_a_time() -> None:
    plan = waves(parallel=False)
    assert all(len(wave) == 1 for wave in plan)
    assert sorted(w[0] for w in plan) == sorted(SITE_LAYERS)


def test_an_unknown_site_names_the_checkouts_stacks_folder() -> None:
    with pytest.raises(DrillRefused, match=r"no stack files for nowhere-network.* in stacks/;"):
        prepare("local", "nowhere", Scenario.REGION_LOSS)


def test_a_hub_stacks_dir_without_the_site_is_named_with_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_STACKS_DIR", str(tmp_path / "absent"))
    with pytest.raises(DrillRefused) as refused:
        prepare("local", "local-dr", Scenario.REGION_LOSS)
    assert f"in {tmp_path / 'absent'}/ ($HUB_STACKS_DIR)" in str(refused.value)
