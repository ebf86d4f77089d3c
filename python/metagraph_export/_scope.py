"""Name-scope arithmetic, exactly as TensorFlow 2.21 does it.

TensorFlow tests scope membership with a plain string prefix, but strips and
prepends scopes with regular expressions built from the unescaped scope text.
Both behaviours are part of the format (spec EXP-SCOPE-1 to EXP-SCOPE-7), so they are kept,
including the ones that look like bugs: "s" also selects "s_1/x", and a scope
"a.b" also strips "aXb/".
"""

from __future__ import annotations

import re

from .errors import InvalidArgumentError

UNBOUND_INPUT_PREFIX = "$unbound_inputs_"

# Characters with a meaning in a regular expression (Python's re, no flags).
_REGEX_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_PREPEND_PATTERN = re.compile(r"([\^]|loc:@|^)(.*)")


class Scope:
    """An export scope; the regular expressions are compiled on first use.

    TensorFlow only fails on a scope that is not a valid regular expression
    when it actually strips a name with it, so compilation is deferred to the
    same moments.
    """

    __slots__ = ("_control_prefix", "_literal_prefix", "_loc_literal", "_strip_pattern", "text")

    def __init__(self, text: str | None) -> None:
        self.text = text
        self._strip_pattern: re.Pattern[str] | None = None
        # The scope without its trailing "/", when it is a pattern that only
        # matches itself: then the common names strip without the regex.
        scope = text[:-1] if text and text.endswith("/") else text
        literal = scope if scope and not _REGEX_SPECIAL.intersection(scope) else None
        self._literal_prefix = None if literal is None else literal + "/"
        self._control_prefix = None if literal is None else "^" + literal + "/"
        # Only such a scope can take a name that starts with "loc:@", which the
        # pattern treats apart.
        self._loc_literal = literal is not None and literal.startswith("loc:@")

    def __bool__(self) -> bool:
        return bool(self.text)

    def contains(self, name: str) -> bool:
        """The inclusion test: a plain prefix test; no scope includes everything
        (spec EXP-SCOPE-2)."""
        return not self.text or name.startswith(self.text)

    def strip(self, name: str) -> str:
        """TensorFlow's ``ops.strip_name_scope`` (spec EXP-SCOPE-3, EXP-SCOPE-5)."""
        if not self.text:
            return name
        prefix = self._literal_prefix
        if prefix is not None:
            # What the pattern does to "<scope>/..." and "^<scope>/...": the
            # leftmost match starts at 0, and takes every "/" after the scope.
            if name.startswith(prefix):
                if not self._loc_literal:
                    return name[len(prefix) :].lstrip("/")
            elif name.startswith(self._control_prefix):  # type: ignore[arg-type]
                return "^" + name[len(prefix) + 1 :].lstrip("/")
        if self._strip_pattern is None:
            scope = self.text[:-1] if self.text.endswith("/") else self.text
            self._strip_pattern = _compile(r"([\^]|loc:@|^)" + scope + r"[\/]+(.*)")
        return self._strip_pattern.sub(r"\1\2", name, count=1)

    def prepend(self, name: str) -> str:
        """TensorFlow's ``ops.prepend_name_scope`` with this scope as the import scope
        (spec EXP-SCOPE-6)."""
        if not self.text:
            return name
        scope = self.text[:-1] if self.text.endswith("/") else self.text
        try:
            return _PREPEND_PATTERN.sub(r"\1" + scope + r"/\2", name)
        except re.error as error:
            raise _invalid(error) from None

    def check_pattern(self) -> None:
        """What ``Graph.get_collection(key, scope=...)`` does first: compile the scope
        (spec EXP-SCOPE-15)."""
        if self.text is not None:
            _compile(self.text)


def mark_unbound(name: str) -> str:
    """Marks an input that leaves the scope (spec EXP-SCOPE-10).

    TensorFlow substitutes ``([\\^]|^)(.*)``: the first line gets the prefix after
    its leading "^" (or in front), and each later line, where "." stops and
    the next match starts, after its first "^", if it has one."""
    first, *rest = name.split("\n")
    if first.startswith("^"):
        marked = ["^" + UNBOUND_INPUT_PREFIX + first[1:]]
    else:
        marked = [UNBOUND_INPUT_PREFIX + first]
    for line in rest:
        caret = line.find("^")
        marked.append(
            line if caret < 0 else line[: caret + 1] + UNBOUND_INPUT_PREFIX + line[caret + 1 :]
        )
    return "\n".join(marked)


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise _invalid(error) from None


class ScopePatternError(InvalidArgumentError):
    """The export scope is not a valid regular expression."""


def _invalid(error: re.error) -> ScopePatternError:
    return ScopePatternError(
        "export_scope",
        f"is used as a regular expression and is not a valid one ({error})",
    )
