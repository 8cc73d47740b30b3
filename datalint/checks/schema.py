"""Schema checks: each record against its format's bundled JSON Schema (or the user's own),
records of another format than the file's, and files whose format is not recognised."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from datalint.checks import Option
from datalint.locate import make_pointer
from datalint.records import FORMATS, Record
from datalint.violation import Finding

OPTIONS = {
    "check": Option(str, "schema", "what to check", ("schema", "mixed-format", "unknown-format")),
    "schema": Option(str, "", "path of your own JSON Schema; replaces the bundled preset schemas", is_path=True),
    "max-errors": Option(int, 5, "schema errors reported per record at most"),
}
MAX_MESSAGE = 200


def prepare(options: dict[str, Any]) -> dict[str, Any] | None:
    """format -> (fast validity test, detailed validator). The fast test is fastjsonschema's
    generated code (about 20x quicker than jsonschema); jsonschema explains only the failures."""
    if options["check"] != "schema":
        return None
    import fastjsonschema
    from jsonschema.validators import validator_for

    from datalint.rules import SCHEMAS_DIR

    paths = {name: SCHEMAS_DIR / f"{name}.json" for name in FORMATS if (SCHEMAS_DIR / f"{name}.json").exists()}
    if options["schema"]:
        paths = {"*": Path(options["schema"])}
    validators = {}
    for name, path in paths.items():
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"cannot load JSON Schema {path}: {error}") from error
        cls = validator_for(schema)
        try:
            cls.check_schema(schema)
        except Exception as error:  # jsonschema.SchemaError
            raise ValueError(f"{path} is not a valid JSON Schema: {getattr(error, 'message', error)}") from error
        detailed = cls(schema)
        try:
            fast = fastjsonschema.compile(schema)
        except fastjsonschema.JsonSchemaDefinitionException:
            fast = None  # a draft fastjsonschema lacks: jsonschema alone decides
        validators[name] = (fast, detailed)
    return validators


def check_record(rule, record: Record) -> Iterator[Finding]:
    check = rule.options["check"]
    if check == "mixed-format":
        if record.format not in ("unknown", record.file_format) and record.file_format != "unknown":
            yield Finding(f"record is in {record.format} format but the file is {record.file_format}")
        return
    if check != "schema":
        return
    validators = rule.state
    pair = validators.get("*") or validators.get(record.format if record.format != "unknown" else record.file_format)
    if pair is None:
        return
    fast, detailed = pair
    if fast is not None and _passes(fast, record.data):
        return
    errors = sorted(detailed.iter_errors(record.data), key=lambda error: list(map(str, error.absolute_path)))
    for error in errors[: rule.options["max-errors"]]:
        message = error.message if len(error.message) <= MAX_MESSAGE else error.message[: MAX_MESSAGE - 1] + "…"
        yield Finding(f"schema: {message}", make_pointer(*error.absolute_path))


def _passes(fast, data: Any) -> bool:
    from fastjsonschema import JsonSchemaValueException

    try:
        fast(data)
    except JsonSchemaValueException:
        return False
    return True
