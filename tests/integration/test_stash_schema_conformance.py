"""Keep PlexSync's GraphQL documents and the fake Stash honest against real Stash.

The documents in ``stash_client.queries`` are checked against Stash's published
schema, so a typo or a field Stash renamed fails here and not at a user's site.
The fake's own schema is checked field by field against the real one, so a test
that passes against the fake cannot rely on something Stash does not have.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    parse,
    validate,
)
from graphql.pyutils import Undefined

from stash_client.queries import ALL_DOCUMENTS
from tests.fakes.fake_stash import SCHEMA_PATH

REAL_SCHEMA_DIR = (
    Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "stash-schema"
)


def _document_id(document: str) -> str:
    for line in document.splitlines():
        words = line.split()
        if words and words[0] in ("query", "mutation"):
            return words[1].split("(")[0]
    return "anonymous"


@pytest.fixture(scope="module")
def real_schema() -> GraphQLSchema:
    if not (REAL_SCHEMA_DIR / "schema.graphql").is_file():
        pytest.skip(f"the real Stash schema is not checked out at {REAL_SCHEMA_DIR}")
    files = [
        REAL_SCHEMA_DIR / "schema.graphql",
        *sorted((REAL_SCHEMA_DIR / "types").glob("*.graphql")),
    ]
    return build_schema("\n".join(f.read_text(encoding="utf-8") for f in files))


@pytest.fixture(scope="module")
def fake_schema() -> GraphQLSchema:
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("document", ALL_DOCUMENTS, ids=_document_id)
def test_document_is_valid_against_real_stash(real_schema: GraphQLSchema, document: str) -> None:
    errors = [error.message for error in validate(real_schema, parse(document))]
    assert errors == []


@pytest.mark.parametrize("document", ALL_DOCUMENTS, ids=_document_id)
def test_document_is_valid_against_the_fake(fake_schema: GraphQLSchema, document: str) -> None:
    errors = [error.message for error in validate(fake_schema, parse(document))]
    assert errors == []


def _is_required(value: Any) -> bool:
    return isinstance(value.type, GraphQLNonNull) and value.default_value is Undefined


def _compare_args(where: str, fake_field: Any, real_field: Any) -> list[str]:
    problems = []
    for arg_name, fake_arg in fake_field.args.items():
        real_arg = real_field.args.get(arg_name)
        if real_arg is None:
            problems.append(f"{where}({arg_name}) is not in real Stash")
            continue
        if str(fake_arg.type) != str(real_arg.type):
            problems.append(f"{where}({arg_name}) is {fake_arg.type}, Stash has {real_arg.type}")
        if fake_arg.default_value != real_arg.default_value:
            problems.append(f"{where}({arg_name}) default differs")
        if fake_arg.deprecation_reason != real_arg.deprecation_reason:
            problems.append(f"{where}({arg_name}) deprecation differs")
    problems.extend(
        f"{where}({arg_name}) is required by Stash, absent in the fake"
        for arg_name, real_arg in real_field.args.items()
        if _is_required(real_arg) and arg_name not in fake_field.args
    )
    return problems


def _compare_fields(name: str, fake: Any, real: Any) -> list[str]:
    problems = []
    for field_name, fake_field in fake.fields.items():
        where = f"{name}.{field_name}"
        real_field = real.fields.get(field_name)
        if real_field is None:
            problems.append(f"{where} is not in real Stash")
            continue
        if str(fake_field.type) != str(real_field.type):
            problems.append(f"{where} is {fake_field.type} in the fake, {real_field.type} in Stash")
        if fake_field.deprecation_reason != real_field.deprecation_reason:
            problems.append(f"{where} deprecation differs")
        if hasattr(fake_field, "args"):
            problems.extend(_compare_args(where, fake_field, real_field))
    if isinstance(fake, GraphQLInputObjectType):
        # An input field Stash requires must be in the fake too, or the fake would
        # accept input that Stash refuses.
        problems.extend(
            f"{name}.{field_name} is required by Stash, absent in the fake"
            for field_name, real_field in real.fields.items()
            if _is_required(real_field) and field_name not in fake.fields
        )
    return problems


def test_every_fake_type_matches_real_stash(
    real_schema: GraphQLSchema, fake_schema: GraphQLSchema
) -> None:
    problems: list[str] = []
    assert fake_schema.query_type is not None
    assert real_schema.query_type is not None
    assert fake_schema.query_type.name == real_schema.query_type.name
    assert fake_schema.mutation_type is not None
    assert real_schema.mutation_type is not None
    assert fake_schema.mutation_type.name == real_schema.mutation_type.name
    for name, fake_type in fake_schema.type_map.items():
        if name.startswith("__"):
            continue
        real_type = real_schema.type_map.get(name)
        if real_type is None:
            problems.append(f"type {name} is not in real Stash")
            continue
        if type(fake_type) is not type(real_type):
            problems.append(
                f"{name} is a {type(fake_type).__name__}, Stash has {type(real_type).__name__}"
            )
            continue
        if isinstance(fake_type, GraphQLEnumType):
            extra = set(fake_type.values) - set(real_type.values)  # type: ignore[attr-defined]
            problems.extend(
                f"enum value {name}.{value} is not in real Stash" for value in sorted(extra)
            )
        elif isinstance(
            fake_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            problems.extend(_compare_fields(name, fake_type, real_type))
            if isinstance(fake_type, GraphQLObjectType):
                real_interfaces = {i.name for i in real_type.interfaces}  # type: ignore[attr-defined]
                problems.extend(
                    f"{name} implements {i.name} only in the fake"
                    for i in fake_type.interfaces
                    if i.name not in real_interfaces
                )
        elif isinstance(fake_type, GraphQLUnionType):
            real_members = {t.name for t in real_type.types}  # type: ignore[attr-defined]
            problems.extend(
                f"{name} has member {t.name} only in the fake"
                for t in fake_type.types
                if t.name not in real_members
            )
        else:
            assert isinstance(fake_type, GraphQLScalarType)
    assert problems == []


def test_the_fake_schema_answers_what_the_plugin_reads(fake_schema: GraphQLSchema) -> None:
    """Guards against trimming the fake below what PlexSync and stashapi need."""
    scene = fake_schema.type_map["Scene"]
    assert isinstance(scene, GraphQLObjectType)
    wanted = {"id", "title", "details", "date", "studio", "performers", "tags", "files", "paths"}
    assert wanted <= set(scene.fields)
    assert {"findScene", "findScenes", "configuration", "version"} <= set(
        fake_schema.query_type.fields  # type: ignore[union-attr]
    )
