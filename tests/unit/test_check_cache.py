"""hubctl.checkcache: a cached result is reused only when nothing it depends on changed.

End to end, on a copy of the repository's code and stacks (so the shipped files are never
touched): `hubctl check` runs from the copy, and a run that could not reuse the cache leaves
a new findings entry behind; a run that reused it leaves none.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from hubcore.values import ConfigValue, Location
from hubctl import checkcache
from policies.config import Suppression, load_pack_config
from policies.evaluate import Report, Violation
from policies.registry import Enforcement, Severity
from synth.synthesis import prepare
from tests.hubctl_runner import run_hubctl
from tests.offline import is_ambient

STACK = "staging-kms"
TREES = ("hubcore", "infra", "synth", "policies", "hubctl", "stacks")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    for tree in TREES:
        shutil.copytree(REPO_ROOT / tree, root / tree, ignore=shutil.ignore_patterns("__pycache__"))
    # A value of the stack's own file to change (the site's value, so nothing else differs).
    (root / "stacks" / f"Pulumi.{STACK}.yaml").write_text(
        "config:\n  hub:owner: platform-team@hub.example\n", encoding="utf-8"
    )
    return root


def hubctl(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`hubctl` as the copy's code, with the copy's stacks and cache (.cache/ under it)."""
    # The same environment for the module's warm-up and each test's run (a cache key folds in
    # the provider's variables): never a cloud or backend of the caller's shell.
    ambient = {k: v for k, v in os.environ.items() if not is_ambient(k)}
    environment = {**ambient, "PYTHONPATH": str(repo), **env}
    environment.pop(checkcache.ENV, None)
    environment.update(env)
    return run_hubctl(*args, env=environment, cwd=repo, timeout=None)


def entries(repo: Path, kind: str = "findings") -> set[str]:
    directory = repo / ".cache" / "check" / kind
    return {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()


def checked(repo: Path, *extra: str) -> tuple[str, set[str]]:
    """The JSON report of one check of STACK, and the findings entries it added."""
    before = entries(repo)
    done = hubctl(repo, "check", "--stack", STACK, "--format", "json", *extra)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout, entries(repo) - before


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: {old!r} not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def warm(repo: Path) -> str:
    """The report of a first run, after which the same run is served from the cache."""
    first, added = checked(repo)
    assert added, "the first run left no entry"
    return first


def test_an_unchanged_run_reuses_the_cache_and_gives_the_same_report(repo, warm):
    again, added = checked(repo)
    assert added == set()
    assert again == warm


# Each change is one character in a file the report depends on; each must force a new run.
CHANGES = [
    pytest.param("infra/layers/kms.py", '"""', '""" ', id="a layer module"),
    pytest.param(
        "stacks/sites.yaml", "caValidityHours: 26280", "caValidityHours: 26281", id="sites.yaml"
    ),
    pytest.param(f"stacks/Pulumi.{STACK}.yaml", "hub.example", "hub.exampld", id="the stack file"),
    pytest.param("hubcore/catalogue.yaml", "#", "# ", id="the catalogue"),
    pytest.param("policies/rules/region/eu_only.py", '"""', '""" ', id="the pack"),
    pytest.param("policies/pack-config.json", "{", "{ ", id="the pack config"),
]


@pytest.mark.parametrize(("path", "old", "new"), CHANGES)
def test_a_one_character_change_invalidates(repo, warm, path, old, new):
    target = repo / path
    original = target.read_text(encoding="utf-8")
    try:
        edit(target, old, new)
        _, added = checked(repo)
        assert added, f"a change to {path} reused a cached report"
    finally:
        target.write_text(original, encoding="utf-8")


def test_a_command_line_value_invalidates(repo, warm):
    _, added = checked(repo, "-c", "hub:owner=platform-team@hub.exampl")
    assert added
    _, added_again = checked(repo, "-c", "hub:owner=platform-team@hub.exampm")
    assert added_again


@pytest.mark.parametrize(
    ("old", "new"),
    [("secure: v1:wm89", "secure: v1:wm88"), ("encryptionsalt: v1:", "encryptionsalt: v1:A")],
    ids=["its ciphertext", "the salt it is sealed with"],
)
def test_a_secret_in_the_stack_file_invalidates(repo, old, new):
    """Offline the program sees a placeholder, not the secret, but the file changed."""
    target = repo / "stacks/Pulumi.prod-kms.yaml"
    original = target.read_text(encoding="utf-8")
    first = hubctl(repo, "check", "--stack", "prod-kms", "--format", "json")
    assert first.returncode == 0, first.stderr
    before = entries(repo)
    try:
        edit(target, old, new)
        done = hubctl(repo, "check", "--stack", "prod-kms", "--format", "json")
    finally:
        target.write_text(original, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert entries(repo) - before


def test_a_comment_in_the_stack_file_reuses_the_report(repo, warm):
    target = repo / f"stacks/Pulumi.{STACK}.yaml"
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(original + "# reviewed on Tuesday\n", encoding="utf-8")
        again, added = checked(repo)
    finally:
        target.write_text(original, encoding="utf-8")
    assert added == set()
    assert again == warm


def test_a_host_count_edited_in_the_stack_file_synthesises_no_sample_again(repo):
    """A large compute layer comes from sample runs (synth.sampling) that do not depend on the
    counts: the edited file gives a new report, expanded from the sample runs already kept."""
    target = repo / "stacks/Pulumi.prod-compute.yaml"
    original = target.read_text(encoding="utf-8")

    def sizes(app: int) -> str:
        roles = {
            "bastion": {"flavor": "b3-8", "count": 2, "bootVolumeGb": 20},
            "app": {"flavor": "b3-32", "count": app, "bootVolumeGb": 40},
            "data": {"flavor": "r3-64", "count": 12, "bootVolumeGb": 40, "dataVolumeGb": 500},
        }
        return original.rstrip("\n") + f"\n  hub:sizes: {json.dumps(roles)}\n"

    def resources() -> int:
        done = hubctl(repo, "check", "--stack", "prod-compute", "--format", "json")
        assert done.returncode == 0, done.stderr
        return int(json.loads(done.stdout)["resources"])

    try:
        target.write_text(sizes(30), encoding="utf-8")
        first = resources()
        before = entries(repo, "records")
        target.write_text(sizes(31), encoding="utf-8")
        second = resources()
        added = entries(repo, "records") - before
    finally:
        target.write_text(original, encoding="utf-8")
    assert second > first, "one more host gave no more resources"
    assert len(added) == 1, f"{len(added)} records entries: the sample was synthesised again"


def test_a_config_change_that_reaches_the_program_resynthesises(repo, warm):
    before = entries(repo, "records")
    checked(repo, "-c", "hub:owner=someone-else@hub.example")
    assert entries(repo, "records") - before


def test_a_pack_change_reuses_the_synthesis(repo, warm):
    """Rules are judged again on the cached records: the program did not change."""
    target = repo / "policies/rules/region/eu_only.py"
    original = target.read_text(encoding="utf-8")
    before = entries(repo, "records")
    try:
        edit(target, '"""', '"""  ')
        _, added = checked(repo)
    finally:
        target.write_text(original, encoding="utf-8")
    assert added and entries(repo, "records") == before


def test_a_corrupt_entry_is_ignored_and_rebuilt(repo, warm):
    for kind in ("findings", "records"):
        for name in entries(repo, kind):
            path = repo / ".cache" / "check" / kind / name
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2] + b"\x00garbage")
    done = hubctl(repo, "check", "--stack", STACK, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout == warm


def test_a_cache_hit_does_not_import_the_sdk(repo, warm):
    probe = (
        "import sys\nfrom hubctl.cli import app\n"
        f"try:\n    app(['check', '--stack', {STACK!r}, '--format', 'json'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pulumi', 'pulumi_openstack', 'matplotlib', 'openstack')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_concurrent_runs_on_an_empty_cache_agree(repo, warm, tmp_path):
    cache = tmp_path / "cache"
    environment = {**os.environ, "PYTHONPATH": str(repo), checkcache.ENV: str(cache)}
    command = [
        sys.executable,
        "-c",
        "from hubctl.cli import app; app()",
        "check",
        "--stack",
        STACK,
        "--format",
        "json",
    ]
    runs = [
        subprocess.Popen(
            command,
            cwd=repo,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate()[0] for run in runs]
    assert all(run.returncode in (0, 1) for run in runs)
    assert outputs == [warm] * 3
    assert not list(cache.rglob(".tmp-*")), "a temporary file was left behind"
    done = hubctl(
        repo, "check", "--stack", STACK, "--format", "json", **{checkcache.ENV: str(cache)}
    )
    assert done.stdout == warm


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(checkcache.ENV, "off")
    report = checkcache.check_stack(prepare("prod-kms"), load_pack_config())
    assert report.resources > 0
    assert checkcache.cache_dir() is None


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(checkcache.ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(checkcache.KEY_FILE_ENV, str(tmp_path / "key"))
    return tmp_path / "cache"


def _report() -> Report:
    violation = Violation(
        policy="region-eu-only",
        enforcement=Enforcement.MANDATORY,
        severity=Severity.CRITICAL,
        urn="urn:pulumi:s::hub::t::n",
        message="m",
        location=Location("stacks/sites.yaml", 3, home=Location("x", 1)),
        description="d",
        suppressed=Suppression("r", "u", "why", "ops", date(2027, 1, 2), "HUB-1"),
    )
    return Report(targets=["s"], resources=3, violations=[violation], suppressed=[violation])


def test_an_entry_is_json_data_and_reads_back_equal(cache):
    checkcache._store("findings", "k", _report())
    text = (cache / "findings" / "k.json").read_text()
    assert json.loads(text)["format"] == checkcache.FORMAT  # JSON: no code is ever loaded
    assert checkcache._load("findings", "k") == _report()


def test_an_altered_entry_is_ignored_and_reported(cache, capsys):
    checkcache._store("findings", "k", _report())
    path = cache / "findings" / "k.json"
    document = json.loads(path.read_text())
    document["body"] = document["body"].replace('"resources":3', '"resources":4')
    path.write_text(json.dumps(document))
    assert checkcache._load("findings", "k") is None
    assert "does not carry this user's seal" in capsys.readouterr().err


def test_an_entry_under_another_key_s_name_is_ignored_and_reported(cache, capsys):
    checkcache._store("findings", "passing", _report())
    (cache / "findings" / "failing.json").write_text(
        (cache / "findings" / "passing.json").read_text()
    )
    assert checkcache._load("findings", "failing") is None
    assert "made for another key" in capsys.readouterr().err


def test_an_entry_sealed_with_another_user_s_key_is_ignored(cache, tmp_path, monkeypatch):
    checkcache._store("findings", "k", _report())
    monkeypatch.setenv(checkcache.KEY_FILE_ENV, str(tmp_path / "someone-else"))
    assert checkcache._load("findings", "k") is None


def test_a_truncated_or_empty_entry_is_ignored(cache):
    checkcache._store("findings", "k", _report())
    path = cache / "findings" / "k.json"
    path.write_text(path.read_text()[:40])
    assert checkcache._load("findings", "k") is None
    path.write_text("")
    assert checkcache._load("findings", "k") is None


def test_the_seal_key_is_made_private_on_first_use(cache, tmp_path):
    checkcache._store("findings", "k", _report())
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600


def test_a_passing_entry_written_over_a_failing_one_shows_the_failure(repo, warm, tmp_path):
    """The red team's move: copy a passing report onto the entry of a failing check."""
    cache = tmp_path / "cache"
    env = {checkcache.ENV: str(cache), checkcache.KEY_FILE_ENV: str(tmp_path / "key")}
    failing = ("check", "--stack", STACK, "-c", "openstack:region=UK1", "--format", "json")
    passing = hubctl(repo, "check", "--stack", STACK, "--format", "json", **env)
    assert passing.returncode == 0, passing.stderr
    passing_entries = set((cache / "findings").glob("*.json"))
    first = hubctl(repo, *failing, **env)
    assert first.returncode == 1
    [failing_entry] = set((cache / "findings").glob("*.json")) - passing_entries
    [passing_entry] = passing_entries
    failing_entry.write_text(passing_entry.read_text())
    again = hubctl(repo, *failing, **env)
    assert again.returncode == 1
    assert "made for another key" in again.stderr


def test_the_day_is_part_of_the_findings_key(cache, monkeypatch):
    config = load_pack_config()
    checkcache.check_stack(prepare("staging-network"), config)
    first = set((cache / "findings").glob("*.json"))

    class Tomorrow(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2099, 1, 1, tzinfo=tz)

    monkeypatch.setattr(checkcache, "datetime", Tomorrow)
    checkcache.check_stack(prepare("staging-network"), config)
    assert set((cache / "findings").glob("*.json")) - first


def test_the_environment_the_sdk_reads_is_part_of_the_records_key(cache, monkeypatch):
    assert "OS_INSECURE" in checkcache.SDK_ENVIRONMENT
    from hubcore.stackfiles import load_layered_config

    values = load_layered_config("staging-network")
    before = checkcache.records_digest("staging-network", values)
    monkeypatch.setenv("OS_INSECURE", "true")
    assert checkcache.records_digest("staging-network", values) != before


def test_the_digest_does_not_depend_on_set_order():
    value = ConfigValue("1", False, Location("stacks/sites.yaml", 3))
    a = checkcache._digest(frozenset({"x", "y", "z"}), {"k": value})
    b = checkcache._digest(frozenset({"z", "y", "x"}), {"k": value})
    assert a == b
    moved = ConfigValue("1", False, Location("stacks/sites.yaml", 4))
    assert checkcache._digest({"k": moved}) != checkcache._digest({"k": value})


def test_a_rule_swapped_in_memory_changes_the_key():
    from policies.rules import all_rules

    rules = all_rules()

    def other(resource, context):  # a different body under another name
        return []

    swapped = [*rules[:-1], type(rules[-1])(**{**rules[-1].__dict__, "check": other})]
    assert checkcache._digest(rules) != checkcache._digest(swapped)


class ConfigLike:
    """A value the digest cannot know: it must refuse it rather than key on its identity."""

    def __init__(self, n: int) -> None:
        self.n = n


def test_an_unknown_value_refuses_to_be_keyed():
    with pytest.raises(TypeError):
        checkcache._canonical(ConfigLike(1))


def test_reports_name_the_same_resources_whether_cached_or_not(tmp_path, monkeypatch):
    monkeypatch.setenv(checkcache.ENV, str(tmp_path))
    cold = checkcache.check_stack(prepare("staging-network"), load_pack_config())
    warm = checkcache.check_stack(prepare("staging-network"), load_pack_config())
    assert json.dumps([v.to_json() for v in cold.violations]) == json.dumps(
        [v.to_json() for v in warm.violations]
    )
    assert [r.id for r in warm.rules] == [r.id for r in cold.rules]


def test_the_sites_file_in_the_key_is_hub_stacks_dirs_not_the_checkouts(tmp_path, monkeypatch):
    """A reviewer's copy of stacks/ (HUB_STACKS_DIR) with an edited sites.yaml is judged again."""
    copy = tmp_path / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", copy)
    monkeypatch.setenv("HUB_STACKS_DIR", str(copy))
    before = checkcache.stack_files(STACK)
    sites = copy / "sites.yaml"
    sites.write_text(sites.read_text() + "x-reviewer-note: 1\n")
    assert checkcache.stack_files(STACK) != before
