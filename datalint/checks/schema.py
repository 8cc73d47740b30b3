"""Schema checks: each record against its format's bundled JSON Schema (or the user's own),
records of another format than the file's, and files whose format is not recognised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datalint.checks import Option
from datalint.locate import make_pointer
from datalint.presets import FORMATS, PRESETS
from datalint.records import Record
from datalint.violation import Finding

OPTIONS = {
    "check": Option(str, "schema", "what to check", ("schema", "mixed-format", "unknown-format")),
    "schema": Option(
        str, "", "path of your own JSON Schema; replaces the bundled preset schemas", is_path=True, must_exist=True
    ),
    "max-errors": Option(int, 5, "schema errors reported per record at most"),
}
MAX_MESSAGE = 200


def prepare(options: dict[str, Any]) -> dict[str, Any] | None:
    """format -> (fast validity test, detailed validator). The fast test is fastjsonschema's
    generated code (about 20x quicker than jsonschema); jsonschema explains only the failures."""
    if options["check"] != "schema":
        return None
    import fastjsonschema

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
        if options["schema"]:  # the user's schema is checked now; the bundled ones are tested
            from jsonschema.validators import validator_for

            try:
                validator_for(schema).check_schema(schema)
            except Exception as error:  # jsonschema.SchemaError
                raise ValueError(f"{path} is not a valid JSON Schema: {getattr(error, 'message', error)}") from error
        detailed = _Explainer(schema)
        try:
            fast = fastjsonschema.compile(schema)
        except fastjsonschema.JsonSchemaDefinitionException:
            fast = None  # a draft fastjsonschema lacks: jsonschema alone decides
        validators[name] = (fast, detailed)
    return validators


class _Explainer:
    """jsonschema's validator, built on the first record that fails: importing jsonschema costs
    ~0.2 s, which a run whose records all pass (or come from the cache) never pays."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.validator = None

    def iter_errors(self, data: Any):
        if self.validator is None:
            from jsonschema.validators import validator_for

            self.validator = validator_for(self.schema)(self.schema)
        return self.validator.iter_errors(data)


def check_record(rule, record: Record) -> list[Finding] | tuple[()]:
    # A list (or an empty tuple) rather than a generator: nearly every record passes.
    check = rule.options["check"]
    if check == "mixed-format":
        if record.format not in ("unknown", record.file_format) and record.file_format != "unknown":
            if record.format == "prompts" and record.file_format != "custom":
                return [
                    Finding(f"record has a prompt but no answer key, unlike the file's {record.file_format} records")
                ]
            return [Finding(f"record is in {record.format} format but the file is {record.file_format}")]
        return ()
    if check != "schema":
        return ()
    validators = rule.state
    pair = validators.get("*") or validators.get(record.format if record.format != "unknown" else record.file_format)
    if pair is None:
        return ()
    fast, detailed = pair
    if fast is not None and _passes(fast, record.data):
        return ()
    errors = sorted(detailed.iter_errors(record.data), key=lambda error: list(map(str, error.absolute_path)))
    found = []
    for error in errors[: rule.options["max-errors"]]:
        message = error.message if len(error.message) <= MAX_MESSAGE else error.message[: MAX_MESSAGE - 1] + "…"
        found.append(Finding(f"schema: {message}", make_pointer(*error.absolute_path)))
    return found


def check_file(rule, file_format: str, records: int) -> list[Finding]:
    """A file with records in no known format: content rules cannot tell its parts apart."""
    if rule.options["check"] != "unknown-format" or file_format != "unknown" or not records:
        return []
    return [
        Finding(
            f"records match no known format ({', '.join(PRESETS)}); "
            "set `format` and `mapping` in config so content rules can read them"
        )
    ]


def _passes(fast, data: Any) -> bool:
    try:
        fast(data)
    except Exception as error:
        # Imported here, on the rare failure: an import statement costs more than the validation.
        from fastjsonschema import JsonSchemaValueException

        if isinstance(error, JsonSchemaValueException):
            return False
        raise
    return True
