"""`hubctl check --stack`: exit codes, locations, pack config and usage errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import known_stacks, load_layered_config
from hubctl.cli import app
from hubctl.targets import target_of_unplaced_stack
from policies.config import load_pack_config
from policies.evaluate import evaluate
from tests.hubctl_runner import run_hubctl
from tests.policies.conftest import ending

runner = CliRunner()
SHIPPED = known_stacks()


def check(*args: str):
    return runner.invoke(app, ["check", *args])


def violations(result) -> list[dict]:
    return json.loads(result.stdout)["violations"]


def test_the_repository_ships_stacks_to_check():
    assert len(SHIPPED) >= 20


@pytest.mark.parametrize("stack", SHIPPED)
def test_every_shipped_stack_passes(stack):
    result = check("--stack", stack, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [v for v in violations(result) if v["enforcement"] == "mandatory"] == []


@pytest.mark.parametrize("stack", SHIPPED)
def test_a_non_eu_region_on_the_command_line_fails_with_that_location(stack):
    result = check("--stack", stack, "-c", "openstack:region=UK1", "--format", "json")
    assert result.exit_code == 1, result.output
    found = [v for v in violations(result) if v["policy"] == "region-eu-only"]
    assert found and all(v["location"] == "command line (-c)" for v in found)
    assert all(v["enforcement"] == "mandatory" and "UK1" in v["message"] for v in found)


@pytest.mark.parametrize("region", ["us-east-1", "MARS1", "eu-west-1"])
def test_a_region_the_catalogue_does_not_know_fails_closed_as_a_violation(region):
    result = check("--stack", "prod-network", "-c", f"openstack:region={region}", "-f", "json")
    assert result.exit_code == 1, result.output
    [found] = [v for v in violations(result) if v["policy"] == "region-eu-only"]
    assert found["location"] == "command line (-c)"
    assert found["urn"].endswith("pulumi:providers:openstack::openstack")
    assert "does not know" in found["message"] and "nearest allowed region" in found["message"]


def test_an_unknown_replica_region_is_judged_on_the_replica_provider():
    result = check("--stack", "prod-storage", "-c", "hub:replicaRegion=us-west-2", "-f", "json")
    assert result.exit_code == 1, result.output
    [found] = [v for v in violations(result) if v["policy"] == "region-eu-only"]
    assert found["urn"].endswith("pulumi:providers:openstack::openstack-replica")


def test_an_unknown_region_in_a_stack_file_points_at_its_line(tmp_path):
    (tmp_path / "sites.yaml").write_text((REPO_ROOT / "stacks/sites.yaml").read_text())
    stack_file = tmp_path / "Pulumi.staging-network.yaml"
    stack_file.write_text("config:\n  openstack:region: us-east-1\n")
    values = load_layered_config("staging-network", stacks_dir=tmp_path)
    target = target_of_unplaced_stack("staging-network", values, "openstack:region")
    report = evaluate(target, load_pack_config(None))
    [found] = [v for v in report.mandatory if v.policy == "region-eu-only"]
    assert found.location is not None
    assert (found.location.file, found.location.line) == (str(stack_file), 2)


def test_a_finding_from_site_config_points_at_the_line_that_sets_it():
    result = check("--stack", "staging-network", "--format", "json")
    [finding] = [v for v in violations(result) if v["policy"].startswith("qualification")]
    file, line = finding["location"].rsplit(":", 1)
    assert file == "stacks/sites.yaml"
    assert "openstack:region" in (REPO_ROOT / file).read_text().splitlines()[int(line) - 1]


def test_several_stacks_are_checked_in_one_run():
    result = check(
        *[a for s in ("prod-network", "prod-kms") for a in ("--stack", s)], "--format", "json"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["resources"] > 46


def test_the_json_report_has_the_promised_fields():
    result = check("--stack", "staging-network", "-c", "openstack:region=UK1", "--format", "json")
    report = json.loads(result.stdout)
    assert set(report) == {"resources", "violations"}
    assert all(
        set(v) == {"policy", "enforcement", "severity", "urn", "message", "location"}
        for v in report["violations"]
    )


def test_the_report_goes_to_the_output_file(tmp_path):
    out = tmp_path / "report.json"
    result = check("--stack", "staging-kms", "--format", "json", "--output", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["resources"] > 0


def test_the_text_report_groups_by_rule_and_gives_the_verdict():
    result = check("--stack", "staging-network", "-c", "openstack:region=UK1")
    assert result.exit_code == 1
    assert "MANDATORY region-eu-only" in result.stdout and "FAILED" in result.stdout
    assert "\x1b[" not in result.stdout


def test_a_pack_config_can_lower_a_rule_to_advisory(tmp_path):
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"region-eu-only": "advisory"}))
    result = check(
        "--stack",
        "staging-network",
        "-c",
        "openstack:region=UK1",
        "--policy-config",
        str(config),
        "--format",
        "json",
    )
    assert result.exit_code == 0
    assert {v["enforcement"] for v in violations(result) if v["policy"] == "region-eu-only"} == {
        "advisory"
    }


def test_a_suppression_with_a_reason_removes_the_finding(tmp_path):
    urn = (
        "urn:pulumi:staging-network::hub::pulumi:pulumi:Stack$pulumi:providers:openstack::openstack"
    )
    config = tmp_path / "pack.json"
    config.write_text(
        json.dumps(
            {
                "region-eu-only": {
                    "suppress": [
                        {"urn": urn, "reason": "migration drill, data-free project", **ending()}
                    ]
                }
            }
        )
    )
    result = check(
        "--stack", "staging-network", "-c", "openstack:region=UK1", "--policy-config", str(config)
    )
    assert result.exit_code == 0
    assert "suppressed region-eu-only" in result.stdout and "migration drill" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "either --stack"),
        (("--stack", "prod-network", "--state", "x.json"), "either --stack"),
        (("--stack", "nowhere-network"), "no stacks/Pulumi.nowhere-network.yaml"),
        (("--state", "x.json", "-c", "openstack:region=GRA11"), "apply to --stack only"),
        (("--stack", "prod-network", "-c", "hub:production=maybe"), "hub:production"),
        (("--stack", "prod-network", "-c", "novalue"), "expected KEY=VALUE"),
        (("--stack", "prod-network", "--policy-config", "/nonexistent.json"), "cannot read"),
    ],
)
def test_usage_and_config_errors_exit_2_with_one_clear_message(args, expected):
    result = check(*args)
    assert result.exit_code == 2
    assert expected in result.stderr and "Traceback" not in result.output


def test_an_unwritable_output_is_a_usage_error(tmp_path):
    result = check("--stack", "staging-kms", "--output", str(tmp_path / "no" / "such" / "dir"))
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_the_installed_command_exits_cleanly_on_bad_input(tmp_path):
    """The console script itself (not the in-process runner): exit 2, one line, no traceback."""
    missing = tmp_path / "missing.json"
    done = run_hubctl("check", "--state", str(missing), installed=True, timeout=None)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "cannot read" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# Bad input of every kind: exit 2, one message with the file, key or path, nothing written.


@pytest.fixture
def broken_stacks(tmp_path, monkeypatch):
    """A copy of stacks/ that hubctl reads through HUB_STACKS_DIR, with one file to break."""
    import shutil

    directory = tmp_path / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", directory)
    monkeypatch.setenv("HUB_STACKS_DIR", str(directory))

    def write(name: str, text: str) -> str:
        (directory / name).write_text(text, encoding="utf-8")
        return str(directory / name)

    return write


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "config:\n  openstack:region: GRA11\n  openstack:region: UK1\n",
            ":3: key 'openstack:region' is given twice",
        ),
        ("configs:\n  openstack:region: UK1\n", ":1: unknown top-level key 'configs'"),
        ("config:\n  hub:owner: ''\n", ":2: config key hub:owner has a blank value"),
        (
            "config:\n  openstack:authUrl: {secure: plain}\n",
            ":2: config key openstack:authUrl: secure value 'plain'",
        ),
    ],
    ids=["duplicate", "unknown top-level key", "blank", "not ciphertext"],
)
@pytest.mark.parametrize("command", ["check", "synth"])
def test_a_bad_stack_file_is_refused_by_check_and_synth(broken_stacks, command, text, expected):
    path = broken_stacks("Pulumi.staging-network.yaml", text)
    result = runner.invoke(app, [command, "--stack", "staging-network"])
    assert result.exit_code == 2, result.output
    assert f"{path}{expected}" in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_up_refuses_a_bad_stack_file_before_the_engine_starts(broken_stacks):
    path = broken_stacks("Pulumi.local-kms.yaml", "config:\n  hub:owner: a\n  hub:owner: b\n")
    result = runner.invoke(app, ["up", "--site", "local"])
    assert result.exit_code == 2
    assert f"{path}:3: key 'hub:owner' is given twice" in result.stderr


def test_exponential_aliases_in_sites_yaml_are_refused(broken_stacks):
    laughs = "x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
    )
    text = (REPO_ROOT / "stacks/sites.yaml").read_text()
    path = broken_stacks("sites.yaml", laughs + text)
    result = check("--stack", "staging-network")
    assert result.exit_code == 2 and f"{path}:" in result.stderr and "nodes" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--stack", "prod-network", "-c", "novalue"),
        ("--stack", "nowhere-network"),
        ("--stack", "prod-network", "--format", "yaml"),
        ("--stack", "prod-network", "--policy-config", "/nonexistent.json"),
        ("--stack", "prod-network", "-c", "hub:production=maybe"),
        ("--state", "/nonexistent.json"),
    ],
)
def test_a_usage_error_writes_no_output_file(tmp_path, args):
    out = tmp_path / "report.json"
    result = check(*args, "--output", str(out))
    assert result.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"all": "advisory", "all": "mandatory"}', 'the key "all" is given twice'),
        (b"[" * 5000 + b"]" * 5000, "nested deeper"),
        (b'{"all": "caf\xe9"}', "not UTF-8"),
        (b'{"no-such-rule": "advisory"}', "unknown rule"),
    ],
    ids=["not json", "duplicate key", "deep", "not utf-8", "unknown rule"],
)
def test_an_unreadable_policy_config_is_a_usage_error(tmp_path, content, expected):
    config = tmp_path / "pack.json"
    config.write_bytes(content)
    result = check("--stack", "staging-kms", "--policy-config", str(config))
    assert result.exit_code == 2
    assert expected in result.stderr and "Traceback" not in result.output


def test_a_directory_as_policy_config_is_a_usage_error(tmp_path):
    result = check("--stack", "staging-kms", "--policy-config", str(tmp_path))
    assert result.exit_code == 2 and "cannot read" in result.stderr


@pytest.mark.parametrize("flag", ["--passphrase-file", "--decrypt"])
def test_decryption_flags_apply_to_state_only(tmp_path, flag):
    args = [flag] if flag == "--decrypt" else [flag, str(tmp_path / "p")]
    result = check("--stack", "staging-kms", *args)
    assert result.exit_code == 2 and "--state only" in result.stderr


# User data prints as itself: no rich markup is read in it.


@pytest.mark.parametrize("value", ["[bold]x[/]", "[secret]", "[/]", "[red]oops"])
def test_an_error_prints_the_value_literally(value):
    result = check("--stack", "staging-network", "-c", f"hub:production={value}")
    assert result.exit_code == 2
    assert repr(value) in result.stderr


def test_an_error_naming_a_stack_prints_it_literally():
    result = check("--stack", "[bold]x[/]-network")
    assert result.exit_code == 2 and "[bold]x[/]-network" in result.stderr


def test_the_text_report_prints_a_value_literally():
    result = check("--stack", "staging-network", "-c", "openstack:region=[b]UK9[/b]")
    assert result.exit_code == 1
    assert "[b]UK9[/b]" in result.stdout
