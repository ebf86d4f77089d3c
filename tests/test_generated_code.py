"""The generated protobuf code: private pool, wire and text compatibility with TensorFlow."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TypeVar, cast

import metagraph_export
import pytest
from google.protobuf import (
    any_pb2,
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    message_factory,
    text_format,
)
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.internal import api_implementation
from google.protobuf.message import Message
from metagraph_export import _pool
from metagraph_export.tf import (
    graph_pb2,
    meta_graph_pb2,
    saver_pb2,
    tensor_shape_pb2,
    types_pb2,
    variable_pb2,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(metagraph_export.__path__[0])
TYPE_URL_PREFIX = "type.googleapis.com/"

MessageT = TypeVar("MessageT", bound=Message)


def sample_meta_graph() -> meta_graph_pb2.MetaGraphDef:
    """A MetaGraphDef that touches maps, oneofs, packed fields, enums and Any."""
    meta = meta_graph_pb2.MetaGraphDef()
    info = meta.meta_info_def
    info.meta_graph_version = "v1"
    info.tags.extend(["serve", "train"])
    info.tensorflow_version = "2.21.0"
    info.function_aliases["f"] = "g"
    info.any_info.Pack(variable_pb2.VariableDef(variable_name="info:0"))
    node = meta.graph_def.node.add(name="Const", op="Const", device="/cpu:0")
    node.attr["dtype"].type = types_pb2.DT_FLOAT
    node.attr["value"].tensor.dtype = types_pb2.DT_FLOAT
    node.attr["value"].tensor.float_val.extend([1.5, -2.0])
    node.attr["shape"].shape.dim.add(size=3, name="n")
    node.attr["list"].list.i.extend([1, 2, 3])
    meta.graph_def.versions.producer = 2107
    meta.saver_def.CopyFrom(
        saver_pb2.SaverDef(
            filename_tensor_name="save/Const:0",
            version=saver_pb2.SaverDef.V2,
        )
    )
    collections = meta.collection_def
    collections["nodes"].node_list.value.extend(["Const"])
    collections["bytes"].bytes_list.value.extend([b"\x00\xff"])
    collections["ints"].int64_list.value.extend([-1, 2**40])
    collections["floats"].float_list.value.extend([0.25])
    anys = collections["variables"].any_list.value
    anys.add().Pack(variable_pb2.VariableDef(variable_name="v:0", trainable=True))
    anys.add().Pack(duration_pb2.Duration(seconds=7))
    signature = meta.signature_def["serving_default"]
    signature.method_name = "tensorflow/serving/predict"
    signature.inputs["x"].name = "x:0"
    signature.inputs["x"].dtype = types_pb2.DT_FLOAT
    signature.inputs["x"].tensor_shape.CopyFrom(
        tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=-1)])
    )
    meta.asset_file_def.add(filename="vocab.txt").tensor_info.name = "asset:0"
    return meta


def generated_modules() -> Iterator[str]:
    for path in sorted(PACKAGE_DIR.rglob("*_pb2.py")):
        relative = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        yield ".".join(relative.parts)


def foreign_class(cls: type[MessageT]) -> type[MessageT]:
    """The same message type built in a separate pool, standing in for TensorFlow's class."""
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(file: FileDescriptor) -> None:
        if file.name in added:
            return
        for dependency in file.dependencies:
            add(dependency)
        pool.AddSerializedFile(file.serialized_pb)
        added.add(file.name)

    add(cast(FileDescriptor, cls.DESCRIPTOR.file))
    other = message_factory.GetMessageClass(pool.FindMessageTypeByName(cls.DESCRIPTOR.full_name))
    return cast(type[MessageT], other)


def in_default_pool(full_name: str) -> bool:
    try:
        descriptor_pool.Default().FindMessageTypeByName(full_name)
    except KeyError:
        return False
    return True


def expanded(text: str, full_name: str) -> bool:
    return f"[{TYPE_URL_PREFIX}{full_name}]" in text


# --------------------------------------------------------------------------
# The private pool


@pytest.mark.parametrize("module_name", list(generated_modules()))
@pytest.mark.xfail(
    api_implementation.Type() == "python",
    reason="protobuf's pure-Python builder also registers generated classes in the default pool",
    strict=False,  # a file of enums only stays private
)
def test_generated_module_registers_in_private_pool(module_name: str) -> None:
    module = importlib.import_module(module_name)
    file: FileDescriptor = module.DESCRIPTOR
    assert file.pool is _pool.POOL
    with pytest.raises(KeyError):
        descriptor_pool.Default().FindFileByName(file.name)


def test_generated_modules_exist() -> None:
    names = set(generated_modules())
    assert "metagraph_export.tf.meta_graph_pb2" in names
    assert "metagraph_export.snapshot.v1.snapshot_pb2" in names
    assert "metagraph_export.registry.v1.op_registry_pb2" in names


def test_messages_keep_tensorflow_names() -> None:
    assert meta_graph_pb2.MetaGraphDef.DESCRIPTOR.full_name == "tensorflow.MetaGraphDef"
    assert graph_pb2.GraphDef.DESCRIPTOR.file.package == "tensorflow"
    assert _pool.POOL.FindMessageTypeByName("tensorflow.MetaGraphDef") is (
        meta_graph_pb2.MetaGraphDef.DESCRIPTOR
    )


# --------------------------------------------------------------------------
# Wire and text format


def test_binary_round_trip() -> None:
    meta = sample_meta_graph()
    data = meta.SerializeToString(deterministic=True)
    again = meta_graph_pb2.MetaGraphDef.FromString(data)
    assert again == meta
    assert again.SerializeToString(deterministic=True) == data


def test_binary_compatible_with_a_class_from_another_pool() -> None:
    meta = sample_meta_graph()
    other_cls = foreign_class(meta_graph_pb2.MetaGraphDef)
    other = other_cls.FromString(meta.SerializeToString())
    assert other.SerializeToString(deterministic=True) == meta.SerializeToString(deterministic=True)


def test_text_round_trip() -> None:
    meta = sample_meta_graph()
    text = _pool.to_text(meta)
    assert _pool.from_text(text, meta_graph_pb2.MetaGraphDef()) == meta
    one_line = _pool.to_text(meta, as_one_line=True)
    assert "\n" not in one_line
    assert _pool.from_text(one_line, meta_graph_pb2.MetaGraphDef()) == meta
    with_pool = text_format.MessageToString(meta, descriptor_pool=_pool.POOL)
    assert with_pool == text
    parsed = text_format.Parse(with_pool, meta_graph_pb2.MetaGraphDef(), descriptor_pool=_pool.POOL)
    assert parsed == meta


# --------------------------------------------------------------------------
# google.protobuf.Any


def test_any_pack_unpack_and_type_url() -> None:
    meta = sample_meta_graph()
    info = meta.meta_info_def.any_info
    assert info.type_url == "type.googleapis.com/tensorflow.VariableDef"
    assert info.TypeName() == "tensorflow.VariableDef"
    assert info.Is(variable_pb2.VariableDef.DESCRIPTOR)
    variable = variable_pb2.VariableDef()
    assert info.Unpack(variable)
    assert variable.variable_name == "info:0"
    assert not info.Unpack(saver_pb2.SaverDef())

    values = meta.collection_def["variables"].any_list.value
    assert [value.type_url for value in values] == [
        "type.googleapis.com/tensorflow.VariableDef",
        "type.googleapis.com/google.protobuf.Duration",
    ]
    duration = duration_pb2.Duration()
    assert values[1].Unpack(duration)
    assert duration.seconds == 7


def test_any_packs_and_unpacks_messages_of_other_pools() -> None:
    other_cls = foreign_class(variable_pb2.VariableDef)
    meta = meta_graph_pb2.MetaGraphDef()
    meta.meta_info_def.any_info.Pack(other_cls(variable_name="w:0"))
    assert meta.meta_info_def.any_info.TypeName() == "tensorflow.VariableDef"
    variable = variable_pb2.VariableDef()
    assert meta.meta_info_def.any_info.Unpack(variable)
    assert variable.variable_name == "w:0"
    into_other = other_cls()
    assert meta.meta_info_def.any_info.Unpack(into_other)


def test_any_fields_hold_the_private_pools_any_class() -> None:
    # Documented in _pool: an any_pb2.Any must be converted before it is stored.
    info = meta_graph_pb2.MetaGraphDef.MetaInfoDef()
    any_class = type(info.any_info)
    assert any_class is not any_pb2.Any
    assert any_class.DESCRIPTOR.file.pool is _pool.POOL
    public_any = any_pb2.Any()
    public_any.Pack(duration_pb2.Duration(seconds=1))
    with pytest.raises(TypeError):
        info.any_info.CopyFrom(public_any)
    info.any_info.CopyFrom(_pool.coerce(public_any, any_class))
    assert info.any_info.TypeName() == "google.protobuf.Duration"


# --------------------------------------------------------------------------
# Text format of Any: which pool resolves the packed type


def test_to_text_expands_our_types_and_well_known_types() -> None:
    text = _pool.to_text(sample_meta_graph())
    assert expanded(text, "tensorflow.VariableDef")
    assert expanded(text, "google.protobuf.Duration")
    assert "type_url" not in text


def test_plain_text_format_expands_only_what_the_default_pool_knows() -> None:
    # Our tensorflow.* types are in the default pool only as TensorFlow's
    # copies, i.e. when TensorFlow has been imported into this process.
    meta = sample_meta_graph()
    text = text_format.MessageToString(meta)
    assert expanded(text, "google.protobuf.Duration")
    tensorflow_loaded = in_default_pool("tensorflow.VariableDef")
    assert expanded(text, "tensorflow.VariableDef") == tensorflow_loaded
    if tensorflow_loaded:
        assert text == _pool.to_text(meta)
        assert text_format.Parse(text, meta_graph_pb2.MetaGraphDef()) == meta
    else:
        assert 'type_url: "type.googleapis.com/tensorflow.VariableDef"' in text
        with pytest.raises(text_format.ParseError, match=r"tensorflow\.VariableDef"):
            text_format.Parse(_pool.to_text(meta), meta_graph_pb2.MetaGraphDef())


@pytest.fixture(scope="module")
def default_pool_only_class() -> type[Message]:
    """A message type registered in the default pool but not in POOL."""
    name = "metagraph_export_test/default_pool_only.proto"
    try:
        file = descriptor_pool.Default().FindFileByName(name)
    except KeyError:
        proto = descriptor_pb2.FileDescriptorProto(
            name=name, package="metagraph_export_test", syntax="proto3"
        )
        message = proto.message_type.add(name="DefaultPoolOnly")
        message.field.add(
            name="text",
            number=1,
            type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
            label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
        )
        file = descriptor_pool.Default().AddSerializedFile(proto.SerializeToString())
    return message_factory.GetMessageClass(file.message_types_by_name["DefaultPoolOnly"])


def test_to_text_falls_back_to_the_default_pool(default_pool_only_class: type[Message]) -> None:
    meta = meta_graph_pb2.MetaGraphDef()
    meta.meta_info_def.any_info.Pack(text_format.Parse('text: "hi"', default_pool_only_class()))
    full_name = "metagraph_export_test.DefaultPoolOnly"
    # POOL alone does not know the type; the default pool, as TensorFlow uses it, does.
    assert not expanded(text_format.MessageToString(meta, descriptor_pool=_pool.POOL), full_name)
    plain = text_format.MessageToString(meta)
    assert expanded(plain, full_name)
    assert _pool.to_text(meta) == plain
    assert _pool.from_text(plain, meta_graph_pb2.MetaGraphDef()) == meta


def test_unknown_any_types_stay_raw() -> None:
    meta = meta_graph_pb2.MetaGraphDef()
    meta.meta_info_def.any_info.type_url = "type.googleapis.com/nowhere.Unknown"
    meta.meta_info_def.any_info.value = b"\x08\x01"
    text = _pool.to_text(meta)
    assert 'type_url: "type.googleapis.com/nowhere.Unknown"' in text
    parsed = _pool.from_text(text, meta_graph_pb2.MetaGraphDef())
    # Bytes, not ==, which the pure-Python implementation cannot evaluate for
    # an Any of unknown type.
    assert parsed.SerializeToString() == meta.SerializeToString()


# --------------------------------------------------------------------------
# coerce


def test_coerce_returns_instances_of_the_class_unchanged() -> None:
    graph = graph_pb2.GraphDef()
    assert _pool.coerce(graph, graph_pb2.GraphDef) is graph


def test_coerce_copies_messages_of_the_same_name() -> None:
    meta = sample_meta_graph()
    other = foreign_class(meta_graph_pb2.MetaGraphDef).FromString(meta.SerializeToString())
    before = other.SerializeToString(deterministic=True)
    result = _pool.coerce(other, meta_graph_pb2.MetaGraphDef)
    assert type(result) is meta_graph_pb2.MetaGraphDef
    assert result == meta
    result.graph_def.node[0].name = "changed"
    assert other.SerializeToString(deterministic=True) == before


def test_coerce_rejects_other_types() -> None:
    with pytest.raises(
        TypeError,
        match=r"expected a tensorflow\.GraphDef message, got "
        r"tensorflow\.MetaGraphDef",
    ):
        _pool.coerce(meta_graph_pb2.MetaGraphDef(), graph_pb2.GraphDef)
    with pytest.raises(
        TypeError, match=r"expected a tensorflow\.GraphDef message, got builtins\.bytes"
    ):
        _pool.coerce(b"", graph_pb2.GraphDef)


# --------------------------------------------------------------------------
# The generated code is what the generators write


def regenerate_check(*generators: str) -> subprocess.CompletedProcess[str]:
    """tools/regenerate.py --check for these generators; a tool at another
    version than pyproject.toml pins fails it (exit 2), never skips it."""
    return subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "tools" / "regenerate.py"),
            "--check",
            "--require-all",
            "--only",
            *generators,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_generated_code_is_up_to_date() -> None:
    result = regenerate_check("protos")
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------
# Together with TensorFlow


@pytest.fixture(scope="module")
def tf_meta_graph_pb2() -> ModuleType:
    """TensorFlow's meta_graph_pb2, importing TensorFlow into this process."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        importlib.import_module("tensorflow")
    except Exception as error:  # a missing or a broken installation
        pytest.skip(
            f"TensorFlow cannot be imported ({type(error).__name__}: {error}); "
            "these tests run in the TensorFlow environment (tools/make-tf-env)"
        )
    return importlib.import_module("tensorflow.core.protobuf.meta_graph_pb2")


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return run_interpreter("-c", code)


def run_interpreter(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    # The package as this test imports it, whether installed or not.
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(PACKAGE_DIR.parent), os.environ.get("PYTHONPATH")])
    )
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=env, check=False
    )


ROUND_TRIP = textwrap.dedent(
    """
    from tensorflow.core.protobuf import meta_graph_pb2 as theirs
    from metagraph_export.tf import meta_graph_pb2 as ours
    mine = ours.MetaGraphDef()
    mine.graph_def.node.add(name="a", op="NoOp")
    assert theirs.MetaGraphDef.FromString(mine.SerializeToString()).graph_def.node[0].name == "a"
    assert tf.constant(2).numpy() == 2
    print("ok")
"""
)


@pytest.mark.tensorflow
def test_import_tensorflow_first(tf_meta_graph_pb2: ModuleType) -> None:
    result = run_python(
        "import tensorflow as tf\nimport metagraph_export.tf.meta_graph_pb2\n" + ROUND_TRIP
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.tensorflow
def test_import_tensorflow_second(tf_meta_graph_pb2: ModuleType) -> None:
    result = run_python(
        "import metagraph_export.tf.meta_graph_pb2\nimport tensorflow as tf\n" + ROUND_TRIP
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.tensorflow
def test_wire_compatible_with_tensorflow(tf_meta_graph_pb2: ModuleType) -> None:
    meta = sample_meta_graph()
    theirs = tf_meta_graph_pb2.MetaGraphDef.FromString(meta.SerializeToString())
    assert type(theirs).DESCRIPTOR.file.pool is descriptor_pool.Default()
    assert theirs.SerializeToString(deterministic=True) == meta.SerializeToString(
        deterministic=True
    )
    assert theirs.signature_def["serving_default"].inputs["x"].name == "x:0"
    back = meta_graph_pb2.MetaGraphDef.FromString(theirs.SerializeToString())
    assert back == meta
    assert _pool.coerce(theirs, meta_graph_pb2.MetaGraphDef) == meta
    assert _pool.coerce(theirs.graph_def, graph_pb2.GraphDef) == meta.graph_def


@pytest.mark.tensorflow
def test_text_matches_tensorflow(tf_meta_graph_pb2: ModuleType) -> None:
    config_pb2 = importlib.import_module("tensorflow.core.protobuf.config_pb2")
    meta = sample_meta_graph()
    # A TensorFlow type outside our schema, known only to the default pool.
    meta.collection_def["variables"].any_list.value.add().Pack(
        config_pb2.ConfigProto(log_device_placement=True)
    )
    theirs = tf_meta_graph_pb2.MetaGraphDef.FromString(meta.SerializeToString())
    text = text_format.MessageToString(theirs)
    assert expanded(text, "tensorflow.VariableDef")
    assert expanded(text, "tensorflow.ConfigProto")
    assert _pool.to_text(meta) == text
    assert text_format.MessageToString(meta) == text
    assert _pool.from_text(text, meta_graph_pb2.MetaGraphDef()) == meta
    assert text_format.Parse(_pool.to_text(meta), tf_meta_graph_pb2.MetaGraphDef()) == theirs


@pytest.mark.tensorflow
def test_any_interoperates_with_tensorflow_classes(tf_meta_graph_pb2: ModuleType) -> None:
    tf_variable_pb2 = importlib.import_module("tensorflow.core.framework.variable_pb2")
    meta = meta_graph_pb2.MetaGraphDef()
    meta.meta_info_def.any_info.Pack(tf_variable_pb2.VariableDef(variable_name="tf:0"))
    assert meta.meta_info_def.any_info.type_url == "type.googleapis.com/tensorflow.VariableDef"
    ours = variable_pb2.VariableDef()
    assert meta.meta_info_def.any_info.Unpack(ours)
    assert ours.variable_name == "tf:0"
    theirs = tf_meta_graph_pb2.MetaGraphDef()
    theirs.meta_info_def.any_info.Pack(ours)
    unpacked = tf_variable_pb2.VariableDef()
    assert theirs.meta_info_def.any_info.Unpack(unpacked)
    assert unpacked.variable_name == "tf:0"


@pytest.mark.tensorflow
def test_tf_protos_match_tensorflow(tf_meta_graph_pb2: ModuleType) -> None:
    result = regenerate_check("tf-protos")
    assert result.returncode == 0, result.stdout + result.stderr
