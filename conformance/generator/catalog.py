"""Every case of the suite: the recipes of the areas, collected.

A case's ID names its area, and its area names the module that declares it:
Required.Scope.NestedOuter is in areas/scope.py, and its file is
conformance/cases/scope/Required.Scope.NestedOuter.textproto. The areas
import ``recipes`` and never this module.
"""

from __future__ import annotations

from types import ModuleType

from .areas import (
    arguments,
    collections,
    controlflow,
    debuginfo,
    devices,
    errors,
    files,
    functions,
    graphdef,
    import_,
    metainfo,
    oplist,
    options,
    queuerunners,
    savers,
    scope,
    snapshot,
    strip,
    text,
    unbound,
    variables,
)
from .recipes import CaseDef, ImportDef

AREAS: tuple[ModuleType, ...] = (
    arguments,
    collections,
    controlflow,
    debuginfo,
    devices,
    errors,
    files,
    functions,
    graphdef,
    import_,
    metainfo,
    oplist,
    options,
    queuerunners,
    savers,
    scope,
    snapshot,
    strip,
    text,
    unbound,
    variables,
)


def all_cases() -> list[CaseDef]:
    """Every case, sorted by ID."""
    cases: list[CaseDef] = []
    for module in AREAS:
        area = module.AREA
        # import_: "import" is a Python keyword.
        if module.__name__.rsplit(".", 1)[1].rstrip("_") != area.name.lower():
            raise ValueError(f"{module.__name__} declares the cases of the area {area.name}")
        cases.extend(area.cases)
    ids = [definition.id for definition in cases] + [d.id for d in all_import_cases()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate case ids: {duplicates}")
    return sorted(cases, key=lambda definition: definition.id)


def all_import_cases() -> list[ImportDef]:
    """Every import case, sorted by ID."""
    cases = [definition for module in AREAS for definition in module.AREA.imports]
    return sorted(cases, key=lambda definition: definition.id)
