"""YAML from users, read within bounds: every YAML the app reads from a
person (module.yaml, quiz.yaml, a survey's MAP.yaml) goes through
``RestrictedLoader``.

It refuses anchors and aliases (``&a`` / ``*a``): an alias lets a few hundred
bytes stand for a billion nodes (the "billion laughs"), and no file of ours
needs one. It also bounds the nesting depth and the number of nodes, so that
the time and memory a document takes follow its size; and it refuses a
control character that a quoted escape (``"\\0"``) would put into a value,
as every parser of a user's file does.
"""

import yaml

from skillapp.util.text import control_char_name, find_control_char

MAX_DEPTH = 50
MAX_NODES = 200_000

ALIAS = "alias"
DEPTH = "depth"
NODES = "nodes"
CONTROL = "control"


class RefusedYAML(yaml.MarkedYAMLError):
    """A document the app does not read. ``reason`` is one of ALIAS, DEPTH,
    NODES, CONTROL; ``problem_mark`` is where (its ``line`` is 0-based);
    ``char`` names the control character (U+0000) for CONTROL."""

    def __init__(self, reason: str, mark, char: str = ""):
        super().__init__(problem=reason, problem_mark=mark)
        self.reason = reason
        self.char = char


class RestrictedLoader(yaml.SafeLoader):
    """A SafeLoader without anchors or aliases, within MAX_DEPTH and MAX_NODES."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise RefusedYAML(ALIAS, event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise RefusedYAML(NODES, event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise RefusedYAML(DEPTH, event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.ScalarNode):
            found = find_control_char(node.value)
            if found is not None:
                raise RefusedYAML(CONTROL, node.start_mark, control_char_name(found[1]))
        return node


def safe_load(text: str):
    """``yaml.safe_load`` within the bounds above (raises RefusedYAML)."""
    loader = RestrictedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
