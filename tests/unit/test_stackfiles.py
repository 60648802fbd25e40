"""The stack files' reader refuses what it cannot read unambiguously, with file, line and key.

Each test writes a copy of the shipped stacks/ with one file changed, and reads a stack from it
(the shipped copy is what `hubctl check` reads, so every case differs from a passing file by the
one thing under test).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import (
    MAX_VALUE_CHARS,
    STACKS_DIR_VARIABLE,
    known_stacks,
    load_layered_config,
    parse_override,
)
from hubcore.strict_yaml import MAX_MERGE_DEPTH, MAX_NODES, is_ciphertext
from hubcore.values import ConfigError
from tests.property.contract import hang_guard

STACK = "staging-network"
# A real ciphertext from a shipped stack file, written by `pulumi config set --secret`.
CIPHERTEXT = (
    "v1:wm89ub+xKpEIvXeE:"
    "eGOjYdz3DCbd1fC1/ZEzdXKs0FjkR52zXBKkanhy3ouMnkZYT6V1l6YphtZv3hQY+Rku2tLZ8w=="
)


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    directory = tmp_path / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", directory)
    return directory


def write_stack(stacks: Path, text: str | bytes, stack: str = STACK) -> Path:
    path = stacks / f"Pulumi.{stack}.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def prepend_sites(stacks: Path, text: str) -> None:
    path = stacks / "sites.yaml"
    path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")


def refused(stacks: Path, stack: str = STACK) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_layered_config(stack, stacks_dir=stacks)
    return caught.value


def test_every_shipped_stack_file_reads(stacks):
    for stack in known_stacks(stacks):
        assert load_layered_config(stack, stacks_dir=stacks)


# Duplicate keys


def test_a_key_given_twice_names_the_file_both_lines_and_the_key(stacks):
    path = write_stack(stacks, "config:\n  openstack:region: GRA11\n  openstack:region: UK1\n")
    error = refused(stacks)
    assert str(error).startswith(f"{path}:3: ")
    assert "'openstack:region'" in str(error) and "lines 2 and 3" in str(error)
    assert error.key == "openstack:region"


def test_a_key_given_twice_in_a_site_of_sites_yaml_is_refused(stacks):
    sites = stacks / "sites.yaml"
    text = sites.read_text().replace(
        "    openstack:region: GRA11\n", "    openstack:region: GRA11\n    openstack:region: UK1\n"
    )
    sites.write_text(text)
    error = refused(stacks)
    assert "sites.yaml:" in str(error) and "given twice" in str(error)


def test_a_key_given_twice_inside_a_structured_value_is_refused(stacks):
    write_stack(stacks, "config:\n  hub:tls:\n    algorithm: ECDSA\n    algorithm: RSA\n")
    assert "'algorithm' is given twice" in str(refused(stacks))


def edit_staging(stacks: Path, old: str, new: str) -> int:
    """Replace a line of the staging site in sites.yaml; the line number of the new text."""
    sites = stacks / "sites.yaml"
    text = sites.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    sites.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def test_a_key_that_overrides_a_merge_is_not_a_duplicate(stacks):
    line = edit_staging(
        stacks,
        "    openstack:region: GRA11\n",
        "    openstack:region: GRA11\n    hub:image: Ubuntu\n",
    )
    values = load_layered_config(STACK, stacks_dir=stacks)
    assert values["hub:image"].value == "Ubuntu"
    assert values["hub:image"].location.line == line + 1


def test_the_first_merge_source_wins_over_later_ones(stacks):
    write_stack(
        stacks,
        "config:\n  <<: [{hub:owner: first@hub.example}, {hub:owner: second@hub.example}]\n",
    )
    assert load_layered_config(STACK, stacks_dir=stacks)["hub:owner"].value == "first@hub.example"


def test_a_merge_of_something_other_than_a_mapping_is_refused(stacks):
    write_stack(stacks, "config:\n  <<: GRA11\n")
    assert "merges mappings only" in str(refused(stacks))


# Aliases and merges are bounded before anything is expanded


def test_exponential_aliases_are_refused_quickly(stacks):
    laughs = "x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
    )
    prepend_sites(stacks, laughs)
    started = time.perf_counter()
    with hang_guard(10):  # without the bound this would expand 10**10 nodes: fail, not hang
        error = refused(stacks)
    assert time.perf_counter() - started < 0.5
    assert f"more than {MAX_NODES:,} nodes" in str(error) and "sites.yaml:" in str(error)


def test_an_alias_used_within_the_bound_expands(stacks):
    prepend_sites(stacks, "x-cidrs: &cidrs [10.255.0.0/24]\n")
    edit_staging(
        stacks,
        "hub:networkCidr: 10.20.0.0/16\n    hub:adminCidrs: [10.255.0.0/24]",
        "hub:networkCidr: 10.20.0.0/16\n    hub:adminCidrs: *cidrs",
    )
    values = load_layered_config(STACK, stacks_dir=stacks)
    assert values["hub:adminCidrs"].value == '["10.255.0.0/24"]'


def test_a_long_merge_chain_is_refused(stacks):
    chain = "x-m0: &m0 {hub:image: Debian 12}\n" + "".join(
        f"x-m{i}: &m{i}\n  <<: *m{i - 1}\n  hub:k{i}: v\n" for i in range(1, MAX_MERGE_DEPTH + 2)
    )
    prepend_sites(stacks, chain)
    error = refused(stacks)
    assert f"over the limit of {MAX_MERGE_DEPTH}" in str(error)


def test_a_merge_chain_within_the_bound_reads(stacks):
    chain = "x-m0: &m0 {hub:image: Debian 12}\n" + "".join(
        f"x-m{i}: &m{i}\n  <<: *m{i - 1}\n" for i in range(1, MAX_MERGE_DEPTH)
    )
    prepend_sites(stacks, chain)
    edit_staging(
        stacks,
        "    <<: *defaults\n    openstack:region: GRA11",
        f"    <<: [*m{MAX_MERGE_DEPTH - 1}, *defaults]\n    openstack:region: GRA11",
    )
    assert load_layered_config(STACK, stacks_dir=stacks)["hub:image"].value == "Debian 12"


def test_an_alias_that_contains_itself_is_refused(stacks):
    write_stack(stacks, "config:\n  hub:datasets: &loop [*loop]\n")
    assert "cycle" in str(refused(stacks))


def test_deep_nesting_is_refused(stacks):
    write_stack(stacks, "config:\n  hub:tls: " + "[" * 200 + "]" * 200 + "\n")
    assert "nested deeper than" in str(refused(stacks))


# Bytes, top-level keys, blank and oversized values


def test_non_utf8_bytes_are_refused_with_their_line(stacks):
    path = write_stack(stacks, b"config:\n  hub:owner: caf\xe9@hub.example\n")
    error = refused(stacks)
    assert str(error).startswith(f"{path}:2: not UTF-8")


@pytest.mark.parametrize("key", ["configs", "Config", "secretsProvider"])
def test_an_unknown_top_level_key_of_a_stack_file_is_refused(stacks, key):
    write_stack(stacks, f"{key}:\n  openstack:region: UK1\n")
    error = refused(stacks)
    assert f"unknown top-level key {key!r}" in str(error)
    assert "config, encryptedkey, encryptionsalt, environment, secretsprovider" in str(error)


def test_pulumi_top_level_keys_are_allowed(stacks):
    write_stack(
        stacks,
        "secretsprovider: passphrase\nenvironment: [hub/staging]\n"
        "config:\n  hub:owner: o@hub.example\n",
    )
    assert load_layered_config(STACK, stacks_dir=stacks)["hub:owner"].value == "o@hub.example"


def test_an_unknown_top_level_key_of_sites_yaml_is_refused(stacks):
    prepend_sites(stacks, "site:\n  staging: {}\n")
    error = refused(stacks)
    assert "unknown top-level key 'site'" in str(error) and "allowed: sites, x-*" in str(error)


@pytest.mark.parametrize("value", ["", "''", "'  '", "~", "null"])
def test_a_blank_value_is_refused(stacks, value):
    write_stack(stacks, f"config:\n  hub:owner: {value}\n")
    error = refused(stacks)
    assert "hub:owner has a blank value" in str(error) and error.key == "hub:owner"


def test_an_empty_list_is_a_value_not_a_blank(stacks):
    write_stack(stacks, "config:\n  hub:dnsNameservers: []\n")
    assert load_layered_config(STACK, stacks_dir=stacks)["hub:dnsNameservers"].value == "[]"


def test_a_value_over_the_bound_is_refused_and_shortened_in_the_message(stacks):
    write_stack(stacks, "config:\n  hub:owner: " + "o" * (MAX_VALUE_CHARS + 1) + "\n")
    error = refused(stacks)
    assert f"over {MAX_VALUE_CHARS:,} characters" in str(error)
    assert len(str(error)) < 400


def test_a_value_at_the_bound_reads(stacks):
    write_stack(stacks, "config:\n  hub:owner: " + "o" * MAX_VALUE_CHARS + "\n")
    assert len(load_layered_config(STACK, stacks_dir=stacks)["hub:owner"].value) == MAX_VALUE_CHARS


def test_a_key_without_namespace_is_refused(stacks):
    write_stack(stacks, "config:\n  region: GRA11\n")
    assert "write it as hub:region" in str(refused(stacks))


# secure: values


@pytest.mark.parametrize(
    "value",
    [
        "hello",
        "v1:abc:def",  # not base64 of a 12-byte nonce
        "v2:wm89ub+xKpEIvXeE:eGOjYdz3DCbd1fC1/ZEzdXKs0FjkR52z",
        "v1:wm89ub+xKpEIvXeE:AAAA",  # shorter than the GCM tag
        "3",
        "[a, b]",
    ],
)
def test_a_secure_value_that_is_not_ciphertext_is_refused(stacks, value):
    write_stack(stacks, f"config:\n  openstack:authUrl:\n    secure: {value}\n")
    error = refused(stacks)
    assert "not ciphertext" in str(error) and error.key == "openstack:authUrl"


def test_a_secure_value_beside_other_keys_is_refused(stacks):
    write_stack(stacks, f"config:\n  openstack:authUrl:\n    secure: {CIPHERTEXT}\n    x: y\n")
    assert "alone" in str(refused(stacks))


def test_a_ciphertext_reads_as_a_secret(stacks):
    write_stack(stacks, f"config:\n  openstack:authUrl:\n    secure: {CIPHERTEXT}\n")
    value = load_layered_config(STACK, stacks_dir=stacks)["openstack:authUrl"]
    assert value.secret and value.value == "[secret]"


def test_a_secret_nested_in_a_structured_value_keeps_the_whole_key_secret(stacks):
    write_stack(stacks, f"config:\n  hub:tls:\n    rsaBits:\n      secure: {CIPHERTEXT}\n")
    value = load_layered_config(STACK, stacks_dir=stacks)["hub:tls"]
    assert value.secret and CIPHERTEXT not in value.value


def test_a_secure_value_in_sites_yaml_is_refused(stacks):
    edit_staging(
        stacks,
        "    openstack:region: GRA11\n",
        f"    openstack:region: {{secure: {CIPHERTEXT}}}\n",
    )
    assert "Pulumi does not decrypt" in str(refused(stacks))


def test_ciphertext_form_follows_pulumi_symmetric_crypter():
    assert is_ciphertext(CIPHERTEXT)
    assert not is_ciphertext(CIPHERTEXT.replace("v1:", "v2:"))
    assert not is_ciphertext(CIPHERTEXT + ":extra")


# Scalars two YAML readers disagree on


@pytest.mark.parametrize("value", ["yes", "off", "1_000", "2026-12-01", "017", "1e5", "0o17"])
def test_a_scalar_yaml_readers_disagree_on_is_refused(stacks, value):
    write_stack(stacks, f"config:\n  hub:owner: {value}\n")
    error = refused(stacks)
    assert "quote it" in str(error) and error.key == "hub:owner"


@pytest.mark.parametrize(
    ("value", "text"), [("'yes'", "yes"), ("true", "true"), ("42", "42"), ("'017'", "017")]
)
def test_scalars_every_reader_agrees_on_read_as_written(stacks, value, text):
    write_stack(stacks, f"config:\n  hub:owner: {value}\n")
    assert load_layered_config(STACK, stacks_dir=stacks)["hub:owner"].value == text


def test_a_python_tag_is_refused(stacks):
    write_stack(stacks, "config:\n  hub:owner: !!python/object/apply:os.system [true]\n")
    assert "tag" in str(refused(stacks))


def test_a_number_python_cannot_convert_is_refused_not_a_crash(stacks):
    write_stack(stacks, "config:\n  hub:sizes: {app: {count: " + "9" * 5000 + "}}\n")
    assert "hub:sizes" in str(refused(stacks))


# -c overrides and the stacks directory


def test_an_override_over_the_bound_is_refused():
    with pytest.raises(ConfigError, match="over 8,192 characters"):
        parse_override("hub:owner=" + "o" * (MAX_VALUE_CHARS + 1))


def test_an_override_that_is_not_utf8_text_is_refused():
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        parse_override("hub:owner=caf\udce9")


def test_an_override_without_equals_is_refused_with_an_example():
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_override("openstack:region")


def test_the_stacks_directory_comes_from_the_environment(stacks, monkeypatch):
    write_stack(stacks, "config:\n  hub:owner: elsewhere@hub.example\n")
    monkeypatch.setenv(STACKS_DIR_VARIABLE, str(stacks))
    assert load_layered_config(STACK)["hub:owner"].value == "elsewhere@hub.example"
    monkeypatch.delenv(STACKS_DIR_VARIABLE)
    assert load_layered_config(STACK)["hub:owner"].value == "platform-team@hub.example"


def test_an_edited_file_is_read_again(stacks):
    write_stack(stacks, "config:\n  hub:owner: one@hub.example\n")
    assert load_layered_config(STACK, stacks_dir=stacks)["hub:owner"].value == "one@hub.example"
    write_stack(stacks, "config:\n  hub:owner: two@hub.example\n")
    assert load_layered_config(STACK, stacks_dir=stacks)["hub:owner"].value == "two@hub.example"
