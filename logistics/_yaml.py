"""A strict YAML reader for scenario files: the two silent YAML traps made visible.

YAML 1.1, which PyYAML implements, reads an unquoted ``10:00`` as the base-60 integer
600 (``05:30`` stays a string only because of its leading zero), and keeps the last of
two equal keys of a mapping without a word. Both gave wrong answers that looked valid:
a window of 00:10-00:11, an order of 4 kg instead of 40. :class:`StrictLoader` keeps
the text of such numbers (:class:`UnquotedNumber`, refused by every field, with a
message that says to quote it) and records every repeated key with both lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode

__all__ = ["StrictLoader", "UnquotedNumber", "read_yaml"]


@dataclass(frozen=True)
class UnquotedNumber:
    """An unquoted ``H:MM``-like scalar that YAML 1.1 would read as a base-60 number.

    It is neither a number nor a string, so no field accepts it silently: time fields
    refuse it with a message citing :attr:`text`; other fields show its ``repr``.
    """

    text: str
    value: float
    line: int

    def quote_hint(self) -> str:
        """Say what YAML made of the text, and how to write it instead."""
        return (
            f"unquoted {self.text} (line {self.line}) is read by YAML as the base-60 "
            f"number {self.value:g}; times must be quoted strings: write "
            f"'{self.text}' (or \"{self.text}\")"
        )

    def __repr__(self) -> str:
        return f"{self.text} (unquoted; YAML reads it as the number {self.value:g})"


class StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that records repeated keys and keeps base-60 text.

    ``problems`` lists one message per repeated key, naming both lines.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[str] = []

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> Any:
        """Build a mapping, noting every key given twice (merge keys ``<<`` aside)."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: SafeLoader reports it itself
                continue
            if first is None:
                seen[key] = line
            else:
                where = f"lines {first} and {line}" if first != line else "same line"
                self.problems.append(
                    f"line {line}: key {key!r} is given twice in the same mapping "
                    f"({where}); YAML would silently keep only the last value: "
                    "remove or rename one"
                )
        return super().construct_mapping(node, deep=deep)


def _number_or_text(kind: str) -> Any:
    """Constructor for YAML ints/floats that keeps base-60 ones as UnquotedNumber."""
    base = getattr(SafeConstructor, f"construct_yaml_{kind}")

    def construct(loader: StrictLoader, node: Node) -> Any:
        value = base(loader, node)
        text = str(node.value)
        if ":" in text:
            return UnquotedNumber(text, value, node.start_mark.line + 1)
        return value

    return construct


StrictLoader.add_constructor("tag:yaml.org,2002:int", _number_or_text("int"))
StrictLoader.add_constructor("tag:yaml.org,2002:float", _number_or_text("float"))


def read_yaml(text: str) -> tuple[Any, list[str]]:
    """Parse one YAML document strictly.

    Parameters
    ----------
    text
        The document.

    Returns
    -------
    data
        The parsed document; base-60 numbers are :class:`UnquotedNumber`.
    problems
        One message per repeated key (``line N: ...``), empty when none.

    Raises
    ------
    yaml.YAMLError
        If the text is not valid YAML.
    """
    loader = StrictLoader(text)
    try:
        data = loader.get_single_data()  # type: ignore[no-untyped-call]
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
    return data, loader.problems
