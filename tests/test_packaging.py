"""What the distribution declares: its license and notices, classifiers, and a
core that needs protobuf only (the network parts come with extras)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _metadata() -> metadata.PackageMetadata:
    return metadata.metadata("metagraph-export")


def test_license_and_notice_ship_with_the_package() -> None:
    declared = _metadata()
    assert declared["License-Expression"] == "Apache-2.0"
    assert set(declared.get_all("License-File") or []) >= {"LICENSE", "NOTICE"}
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    # TensorFlow's schema and registry data are imported: its notice goes with them.
    assert "The TensorFlow Authors" in (ROOT / "NOTICE").read_text(encoding="utf-8")


def test_classifiers_say_what_the_package_is() -> None:
    classifiers = set(_metadata().get_all("Classifier") or [])
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert "Typing :: Typed" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)


def test_the_core_depends_on_protobuf_only() -> None:
    requirements = _metadata().get_all("Requires-Dist") or []
    unconditional = [r for r in requirements if "extra ==" not in r]
    assert [r.split("<")[0].split(">")[0].strip() for r in unconditional] == ["protobuf"]
    grpc_extra = [r for r in requirements if 'extra == "grpc"' in r]
    assert any(r.startswith("grpcio") for r in grpc_extra)


def test_changelog_and_ignored_outputs() -> None:
    assert (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# Changelog")
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/exports/" in ignored and "/out/" in ignored
