"""JSON documents read strictly: one error with the JSON path of the problem, never a crash.

Python's json module keeps the last of two equal keys (the YAML bug class), reads numbers it
cannot convert by raising a bare ValueError, accepts NaN and Infinity (not JSON), and overflows
the stack on deep nesting. A state export or a policy config is input from outside: each of
these is refused here with the path (`deployment.resources[3].inputs`) a person can look up.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64
MAX_NUMBER_DIGITS = 40  # far beyond any float64 or int64 a Pulumi export holds
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class JsonError(ValueError):
    """What is wrong, and where (`path`, empty for the document itself)."""

    def __init__(self, message: str, path: str = "") -> None:
        shown = path if len(path) <= 120 else f"{path[:100]}...{path[-16:]}"
        super().__init__(f"{shown or 'the document'}: {message}")
        self.path = path
        self.problem = message


def child_path(path: str, key: str | int) -> str:
    """`path.key`, `path["odd key"]` or `path[3]`, as people and jq write JSON paths."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


class _Refused:
    """Stands in for a value the parser must not build; the walk reports it with its path."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


class _Pairs(dict[str, Any]):
    """An object whose key `duplicate` was given twice."""

    duplicate: str


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            marked = _Pairs(result)
            marked.duplicate = key
            return marked
        result[key] = value
    return result


def _int(text: str) -> Any:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        return _Refused(f"the number {text[:20]}... has {len(text)} digits")
    return int(text)


def _float(text: str) -> Any:
    value = float(text)
    if not math.isfinite(value) or len(text) > 2 * MAX_NUMBER_DIGITS:
        return _Refused(f"the number {text[:20]!s} is out of range")
    return value


def _constant(text: str) -> Any:
    return _Refused(f"{text} is not a JSON value")


def loads(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The document in `text`, or JsonError with the path of its first problem."""
    try:
        data = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as error:
        raise JsonError(
            f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
    except RecursionError as error:
        raise JsonError(
            f"nested deeper than {max_depth} levels", _deep_path(text, max_depth)
        ) from error
    _check(data, "", 0, max_depth)
    return data


def _check(value: Any, path: str, depth: int, max_depth: int) -> None:
    if depth > max_depth:
        raise JsonError(f"nested deeper than {max_depth} levels", path)
    if isinstance(value, _Refused):
        raise JsonError(value.problem, path)
    if isinstance(value, str):
        _check_text(value, path)
    elif isinstance(value, dict):
        if isinstance(value, _Pairs):
            raise JsonError(
                f"the key {json.dumps(value.duplicate)} is given twice; a JSON reader keeps "
                "the last one silently",
                path,
            )
        for key, item in value.items():
            _check_text(key, path)
            _check(item, child_path(path, key), depth + 1, max_depth)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, child_path(path, index), depth + 1, max_depth)


def _check_text(text: str, path: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise JsonError(
            f"the text {text[:40]!r} holds an unpaired surrogate (\\u{ord(text[error.start]):x}), "
            "which is not Unicode",
            path,
        ) from error


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


def _deep_path(text: str, max_depth: int) -> str:
    """The path at which `text` nests deeper than `max_depth`: a scan of strings and brackets
    only, for documents too deep for the parser itself."""
    # One frame per open container: its kind and the child being read (a key or an index).
    frames: list[list[Any]] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            frames.append([token, 0 if token == "[" else None])
            if len(frames) > max_depth:
                break
        elif token in "]}":
            if frames:
                frames.pop()
        elif token == ",":
            if frames:
                frames[-1][1] = frames[-1][1] + 1 if frames[-1][0] == "[" else None
        elif token != ":" and frames and frames[-1][0] == "{" and frames[-1][1] is None:
            frames[-1][1] = json.loads(token)
    result = ""
    for _, selector in frames[:-1]:
        result = child_path(result, selector if selector is not None else "")
    return result
