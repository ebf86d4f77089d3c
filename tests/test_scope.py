"""Scope stripping and unbound marking: the shortcuts agree with TensorFlow's regexes.

``Scope.strip`` is ``ops.strip_name_scope``, a regular-expression substitution
built from the unescaped scope. For a scope without regex characters it slices
the common names instead; these tests hold the slice to the substitution.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from metagraph_export._scope import Scope, mark_unbound
from metagraph_export.testing.profiles import settings_for


def regex_strip(scope: str, name: str) -> str:
    """``ops.strip_name_scope`` as TensorFlow 2.21 writes it."""
    if not scope:
        return name
    if scope.endswith("/"):
        scope = scope[:-1]
    return re.sub(r"([\^]|loc:@|^)" + scope + r"[\/]+(.*)", r"\1\2", name, count=1)


# Fragments that meet the pattern's every branch: control markers, "loc:@",
# runs of "/", newlines (which "." does not match) and near-miss scopes.
_FRAGMENTS = ["s", "s_1", "a", "b", "/", "//", "^", "loc:@", "\n", "x", "lo", "loc"]
_SCOPES = ["s", "s/", "s//", "a/b", "a/b/", "s_1", "lo", "loc", "loc:@s", "loc:@", "x\n"]


@st.composite
def scoped_names(draw: st.DrawFn) -> tuple[str, str]:
    scope = draw(st.sampled_from(_SCOPES))
    head = draw(st.sampled_from(["", "^", "loc:@", "^loc:@", "x"]))
    middle = draw(st.sampled_from([scope, scope.rstrip("/"), ""]))
    tail = draw(st.lists(st.sampled_from(_FRAGMENTS), max_size=6))
    return scope, head + middle + "".join(tail)


@settings_for("fast")
@given(scoped_names())
def test_strip_agrees_with_the_regex(case: tuple[str, str]) -> None:
    scope, name = case
    assert Scope(scope).strip(name) == regex_strip(scope, name)


@pytest.mark.parametrize(
    ("scope", "name", "stripped"),
    [
        ("s", "s/x", "x"),
        ("s", "s///x", "x"),
        ("s/", "^s/x", "^x"),
        ("s", "s_1/x", "s_1/x"),
        ("s", "a/s/x", "a/s/x"),
        ("s", "a^s/x", "a^x"),  # "^" anywhere opens a match
        ("s", "loc:@s/x", "loc:@x"),
        ("s", "s/x\ny", "x\ny"),
        ("loc:@s", "loc:@s/x", "x"),
    ],
)
def test_strip_examples(scope: str, name: str, stripped: str) -> None:
    assert Scope(scope).strip(name) == stripped == regex_strip(scope, name)


@settings_for("fast")
@given(st.text(alphabet=["^", "a", "/", "\n", "$", ":"], max_size=8))
def test_mark_unbound_agrees_with_the_regex(name: str) -> None:
    expected = re.sub(r"([\^]|^)(.*)", r"\1$unbound_inputs_\2", name)
    assert mark_unbound(name) == expected
