"""`hubctl check`'s fast path gives the full synthesis' findings, byte for byte.

The reference is the path before it existed: the whole program under Pulumi's mocks
(synth.synthesis.synthesize), then every rule. The fast path is hubctl.checkcache.check_stack:
a verified sample of hosts expanded (synth.sampling), then every rule, then the same report from
the cache. Both are rendered in every format and compared as text.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from hubcore.stackfiles import known_stacks
from hubctl import checkcache
from hubctl.targets import target_of_synth
from policies.config import load_pack_config
from policies.evaluate import Report, evaluate
from policies.formats import Format, render
from synth import sampling as shapes
from synth.synthesis import prepare, run_mocked, synthesize

SHIPPED = known_stacks()


def sizes(app: int, data: int, bastion: int = 2) -> str:
    return json.dumps(
        {
            "bastion": {"flavor": "b3-8", "count": bastion},
            "app": {"flavor": "b3-32", "count": app},
            "data": {"flavor": "r3-64", "count": data, "dataVolumeGb": 500},
        }
    )


# A synthetic site large enough that both roles are expanded from three-digit templates, with
# a volume type that is not LUKS, so that every host's volumes carry findings of their own.
SYNTHETIC = {"hub:sizes": sizes(app=107, data=111), "hub:volumeType": "classic"}


def full_report(stack: str, overrides: dict[str, str]) -> Report:
    result = synthesize(stack, overrides)
    gc.collect()
    gc.freeze()
    return evaluate(target_of_synth(result), load_pack_config())


def rendered(report: Report) -> dict[Format, str]:
    return {fmt: render(report, fmt) for fmt in Format}


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(checkcache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def assert_same_findings(stack: str, overrides: dict[str, str]) -> None:
    reference = rendered(full_report(stack, overrides))
    cold = rendered(checkcache.check_stack(prepare(stack, overrides), load_pack_config()))
    warm = rendered(checkcache.check_stack(prepare(stack, overrides), load_pack_config()))
    for fmt in Format:
        assert cold[fmt] == reference[fmt], f"{stack} {fmt}: fast path differs from synthesis"
        assert warm[fmt] == reference[fmt], f"{stack} {fmt}: cached report differs"


@pytest.mark.parametrize("stack", SHIPPED)
def test_every_shipped_stack_gets_the_full_synthesis_findings(stack, cache_dir):
    assert_same_findings(stack, {})
    assert list((cache_dir / "findings").iterdir()), "the warm run was not served by the cache"


def test_a_synthetic_site_gets_the_full_synthesis_findings(cache_dir):
    reference = full_report("prod-compute", SYNTHETIC)
    # Every boot and data volume of every host is reported: the comparison covers hosts that
    # were synthesised and hosts that were expanded.
    # The shipped prod-compute: 10 resources outside the hosts, 3 per host (boot volume, port,
    # instance), one data volume per data host: 10 + 3 * 8 + 3 = 37.
    assert reference.resources == 10 + 3 * 220 + 111
    volumes = {v.urn for v in reference.violations if "blockstorage/volume" in v.urn}
    assert len(volumes) == 220 + 111
    assert_same_findings("prod-compute", SYNTHETIC)


def test_expanded_records_are_the_synthesised_ones():
    from hubcore.stackfiles import load_layered_config
    from infra.config import validate_config

    values = load_layered_config("prod-compute", SYNTHETIC)
    config = validate_config("prod-compute", values)
    fast = shapes.expanded("prod-compute", config, values, run_mocked)
    assert fast is not None, "the sample did not verify: the site was not expanded"
    full = synthesize("prod-compute", SYNTHETIC).resources
    # In the same order too: the JSON report lists findings in record order.
    assert shapes._canonical(fast) == shapes._canonical(full)
