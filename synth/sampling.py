"""One synthesis per host shape: a large compute layer declared from a sample, then expanded.

The compute layer declares, for each role, `count` hosts that differ by their index, and under
the SDK each of their resources costs a few milliseconds. Here the program runs on a sample of
each role's hosts, and the other hosts' records are the sample's with the host's name in place
of the sample host's: `hub-<site>-<role>-<i>` and every string that contains it (URNs, names,
the ids the mocks derive from names, user data that embeds a volume id).

That renaming is only used where this run shows it reproduces the program:
  - the records outside the hosts are the same with one host per role as with the sample, and
    so are the first host's records: nothing but the host list follows the counts;
  - within the sample, every host is its template renamed, exactly (records in order, inputs
    in order, secrets, options, source lines), and hosts follow one another in index order,
    so the hosts past the sample go after its last one. The template of an index is the
    sample's first host with as many digits (0, 10, 100): a name one character longer moves
    every slice of it (the mocks' ids are cut to 20 characters in user data), so each length
    has its own template, and the sample holds every length the role needs, three times for
    the longest;
  - any host whose records are not found by its name makes the whole check fail.
When a check fails, `expanded` returns None and the caller runs the whole program.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hubcore.stacks import Layer
from hubcore.urns import urn_hash
from hubcore.values import ConfigValue, decode_config_value
from infra.config import HubConfig, validate_config
from infra.tiers import SITE_ROLES, HostRole
from synth.records import ResourceRecord

SIZES_KEY = "hub:sizes"

Run = Callable[[str, HubConfig, dict[str, ConfigValue]], list[ResourceRecord]]
HostKey = tuple[HostRole, int]


def sample_count(count: int) -> int:
    """How many of a role's `count` hosts the program declares itself: all up to ten, else
    every index up to the first of the longest length, and two more."""
    if count <= 10:
        return count
    longest = len(str(count - 1))
    return min(count, int(10 ** (longest - 1)) + 3)


def template_index(index: int) -> int:
    """The sample host whose records, renamed, are host `index`'s: the first of its length."""
    return 0 if index < 10 else int(10 ** (len(str(index)) - 1))


def host_name(site: str, role: HostRole, index: int) -> str:
    """A host's name, as the compute layer gives it (LayerContext.name(role, str(index)))."""
    return f"hub-{site}-{role.value}-{index}"


def expanded(
    stack: str, config: HubConfig, values: dict[str, ConfigValue], run: Run
) -> list[ResourceRecord] | None:
    """The records of `stack` from a sample of its hosts, or None where that is not proven."""
    if config.layer is not Layer.COMPUTE or SIZES_KEY not in values or values[SIZES_KEY].secret:
        return None
    counts = {role: config.sizes.of(role).count for role in SITE_ROLES}
    sample = {role: sample_count(count) for role, count in counts.items()}
    if sample == counts:
        return None
    single = {role: min(count, 1) for role, count in counts.items()}

    sample_records = _run_with(stack, values, sample, run)
    single_records = _run_with(stack, values, single, run)
    if sample_records is None or single_records is None:
        return None
    split = _split(sample_records, config.site, sample)
    single_split = _split(single_records, config.site, single)
    if split is None or single_split is None:
        return None
    fixed, hosts = split
    single_fixed, single_hosts = single_split
    if _canonical(fixed) != _canonical(single_fixed):
        return None
    if any(_canonical(group) != _canonical(hosts[key]) for key, group in single_hosts.items()):
        return None
    for (role, index), group in hosts.items():
        if _canonical(_from_template(hosts, config.site, role, index)) != _canonical(group):
            return None
    blocks = _host_blocks(sample_records, config.site, sample)
    if blocks is None:
        return None

    # Records come in the order the program constructs them, and it constructs a role's
    # hosts one after the other: the hosts past the sample go right after its last one.
    after = {blocks[role][-1]: role for role in SITE_ROLES if sample[role] < counts[role]}
    records: list[ResourceRecord] = []
    for position, record in enumerate(sample_records):
        records.append(record)
        expanding = after.get(position)
        if expanding is not None:
            for index in range(sample[expanding], counts[expanding]):
                records.extend(_from_template(hosts, config.site, expanding, index))
    return records


def _host_blocks(
    records: list[ResourceRecord], site: str, counts: Mapping[HostRole, int]
) -> dict[HostRole, list[int]] | None:
    """For each role, the positions of its hosts' records, when they follow one another host
    by host in index order (as the expansion places them); None otherwise."""
    prefixes = {role: f"hub-{site}-{role.value}-" for role in SITE_ROLES}
    positions: dict[HostRole, list[int]] = {role: [] for role in SITE_ROLES}
    last: dict[HostRole, int] = {}
    for position, record in enumerate(records):
        key = _host_of(record.name, prefixes, counts)
        if key is None:
            continue
        role, index = key
        if positions[role] and (position != positions[role][-1] + 1 or index < last[role]):
            return None
        if positions[role] and index not in (last[role], last[role] + 1):
            return None
        positions[role].append(position)
        last[role] = index
    if any(counts[role] and not positions[role] for role in SITE_ROLES):
        return None
    return positions


def _run_with(
    stack: str, values: dict[str, ConfigValue], counts: Mapping[HostRole, int], run: Run
) -> list[ResourceRecord] | None:
    """The program's records with each role's host count replaced, everything else as given."""
    sizes = decode_config_value(values[SIZES_KEY].value)
    if not isinstance(sizes, dict):
        return None
    changed = dict(sizes)
    for role, count in counts.items():
        entry = changed.get(role.value)
        if not isinstance(entry, dict):
            return None
        changed[role.value] = {**entry, "count": count}
    original = values[SIZES_KEY]
    sampled = dict(values)
    sampled[SIZES_KEY] = ConfigValue(json.dumps(changed), original.secret, original.location)
    return run(stack, validate_config(stack, sampled), sampled)


def _host_of(
    name: str, prefixes: Mapping[HostRole, str], counts: Mapping[HostRole, int]
) -> HostKey | None:
    """The host a record belongs to: its name is the host's, or the host's followed by '-'."""
    for role, prefix in prefixes.items():
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix) :]
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if not digits or (len(rest) > digits and rest[digits] != "-"):
            continue
        number = rest[:digits]
        index = int(number)
        if str(index) == number and index < counts[role]:
            return role, index
    return None


def _split(
    records: Iterable[ResourceRecord], site: str, counts: Mapping[HostRole, int]
) -> tuple[list[ResourceRecord], dict[HostKey, list[ResourceRecord]]] | None:
    """The records outside any host, and each host's; None when a host has no record."""
    prefixes = {role: f"hub-{site}-{role.value}-" for role in SITE_ROLES}
    fixed: list[ResourceRecord] = []
    hosts: dict[HostKey, list[ResourceRecord]] = {
        (role, index): [] for role, count in counts.items() for index in range(count)
    }
    for record in records:
        key = _host_of(record.name, prefixes, counts)
        if key is None:
            fixed.append(record)
        else:
            hosts[key].append(record)
    if any(not group for group in hosts.values()):
        return None
    return fixed, hosts


def _from_template(
    hosts: Mapping[HostKey, list[ResourceRecord]], site: str, role: HostRole, index: int
) -> list[ResourceRecord]:
    template = template_index(index)
    old, new = host_name(site, role, template), host_name(site, role, index)
    group = hosts[(role, template)]
    if old == new:
        return list(group)
    # Each resource carries a hash of its own URN (hubcore.urns): a renamed URN has another.
    hashes = {urn_hash(r.urn): urn_hash(r.urn.replace(old, new)) for r in group}
    return [_renamed(record, {old: new, **hashes}) for record in group]


def _renamed(record: ResourceRecord, renames: Mapping[str, str]) -> ResourceRecord:
    return record.model_copy(
        update={
            "urn": _rename(record.urn, renames),
            "name": _rename(record.name, renames),
            "parent": _rename(record.parent, renames),
            "provider": _rename(record.provider, renames),
            "inputs": _rename(record.inputs, renames),
            "secret_paths": frozenset(_rename(path, renames) for path in record.secret_paths),
        }
    )


def _rename(value: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in renames.items():
            if old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {_rename(k, renames): _rename(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(item, renames) for item in value]
    return value


def _canonical(records: Iterable[ResourceRecord]) -> list[str]:
    """Records as compared: in their order, with everything a rule or a report can read
    (inputs with their key order, secret paths, options, source line)."""
    return [
        json.dumps(
            [
                record.urn,
                record.type,
                record.name,
                record.parent,
                record.provider,
                record.inputs,
                sorted(record.secret_paths),
                record.protect,
                record.retain_on_delete,
                record.custom,
                record.source_file,
                record.source_line,
            ],
            default=repr,
        )
        for record in records
    ]
