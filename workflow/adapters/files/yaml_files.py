"""Reading definition YAML safely: no Python objects, no yes/no/on/off booleans, line numbers kept.

YAML 1.1 would turn a state called `on` or `no` into a boolean; only `true`/`false` are booleans
here. Mappings come back as LineDict, which carries the line of every key so that validation
messages can say ``PATH:LINE: message``.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from workflow.errors import DefinitionError

MAX_FILE_BYTES = 2 * 1024 * 1024


class LineDict(dict):  # type: ignore[type-arg]
    """A dict that remembers the (1-based) line of itself and of each of its keys."""

    __line__: int | None = None
    __lines__: dict[Any, int]


# libyaml's parser when PyYAML has it (the pure-Python one made every command spend seconds reading
# definitions); construction and resolution stay the safe Python ones either way.
_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[misc]
    pass


# Drop YAML 1.1's yes/no/on/off booleans: keep only true/false.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.__line__ = node.start_mark.line + 1
    result.__lines__ = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.__lines__[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    # A date-shaped value that is no date (2021-02-30) must name its line, not escape as a ValueError.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as err:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date ({err})", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load_yaml_text(text: str, source: str) -> Any:
    """Parse YAML text; any syntax problem becomes a DefinitionError naming the line."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else "?"
        raise DefinitionError(f"{source}:{line}: malformed YAML: {err.problem or err}") from None
    except yaml.YAMLError as err:
        raise DefinitionError(f"{source}:?: malformed YAML: {err}") from None


def read_text(path: Path) -> tuple[str, str]:
    """Read a UTF-8 file; return (text, sha256 of its bytes)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DefinitionError(f"{path}:?: cannot read: {err.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DefinitionError(f"{path}:?: file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DefinitionError(f"{path}:{line}: not UTF-8 text (byte {err.start} of the file)") from None
    return text, hashlib.sha256(data).hexdigest()


def load_yaml_file(path: Path) -> tuple[Any, str, str]:
    """(data, text, sha256) of a YAML file."""
    text, digest = read_text(path)
    return load_yaml_text(text, str(path)), text, digest


class YamlFileReader:
    """ports.YamlFiles: files read with the safe loader above."""

    def load(self, path: Path) -> tuple[Any, str, str]:
        return load_yaml_file(path)
