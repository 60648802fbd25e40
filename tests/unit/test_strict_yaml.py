"""The strict YAML reader on its own, as every YAML file the pack reads (clouds.yaml, Pulumi.yaml)
goes through it: the expansion bound, duplicate keys, and scalars as go-yaml reads them. The stack
files' cases, read through the reader, are in test_stackfiles.py.
"""

from __future__ import annotations

import pytest

from hubcore.values import ConfigError

# The expansion bound itself, at 100,000 nodes and one past (every YAML file the pack reads).


def _expanding_to(nodes: int) -> str:
    """A list whose aliases expand to `nodes` nodes: the list itself, 999 copies of a
    100-node list (one written out, 998 aliases), and plain items for the rest."""
    inner = "[" + ", ".join(["x"] * 99) + "]"
    plain = nodes - 1 - 999 * 100
    return "[&a " + inner + ", " + ", ".join(["*a"] * 998 + ["y"] * plain) + "]\n"


def test_a_file_expanding_to_exactly_100000_nodes_is_read(tmp_path):
    from hubcore.strict_yaml import read_yaml

    path = tmp_path / "clouds.yaml"
    path.write_text(_expanding_to(100_000))
    document = read_yaml(path, "clouds.yaml")
    assert len(document) == 999 + 99


def test_one_node_more_is_refused_naming_the_file(tmp_path):
    from hubcore.strict_yaml import read_yaml

    path = tmp_path / "clouds.yaml"
    path.write_text(_expanding_to(100_001))
    with pytest.raises(ConfigError) as raised:
        read_yaml(path, "clouds.yaml")
    assert "more than 100,000 nodes" in str(raised.value) and "clouds.yaml" in str(raised.value)


def test_a_duplicate_key_in_any_file_the_pack_reads_is_refused(tmp_path):
    from hubcore.strict_yaml import read_yaml

    path = tmp_path / "Pulumi.yaml"
    path.write_text(
        "name: hub\nbackend:\n  url: file://x\nbackend:\n  url: https://api.pulumi.com\n"
    )
    with pytest.raises(ConfigError, match="given twice"):
        read_yaml(path, "project file")


def test_yaml_1_1_words_stay_text_as_go_yaml_reads_them(tmp_path):
    from hubcore.strict_yaml import read_yaml

    path = tmp_path / "clouds.yaml"
    path.write_text("a: yes\nb: 017\nc: true\nd: '17'\ne: ~\n")
    assert read_yaml(path, "x") == {"a": "yes", "b": 17, "c": True, "d": "17", "e": None}
    assert read_yaml(path, "x", raw=True) == {
        "a": "yes",
        "b": "017",
        "c": "true",
        "d": "17",
        "e": None,
    }
