"""Read staff-written YAML and report every mistake as ``file:line: field: what — how to fix``.

The YAML is parsed with ruamel.yaml's round-trip loader only to learn where each
key and list item sits; the data handed to pydantic is plain Python. Schema
errors (``clinic.config``) and the cross-checks pydantic cannot express
(references between sections, languages, duplicates) are all collected, so
staff fix a file in one pass instead of one error per restart (DESIGN.md,
principle 7). Only ``read_config_text`` and ``load_clinic_file`` do I/O (they
read the file they are given); nothing here reads the clock.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin
from zoneinfo import available_timezones

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from rapidfuzz import fuzz, process
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSet, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLWarning

from clinic.config import WEEKDAYS, BookingRules, ClinicConfig, parse_duration

FieldPath = tuple[str | int, ...]
Model = TypeVar("Model", bound=BaseModel)

#: Languages ``clinic.config`` assumes when a file does not list them.
DEFAULT_LANGUAGES: tuple[str, ...] = ("fr", "en")


@dataclass(frozen=True)
class Problem:
    """One mistake in a config file, located well enough for staff to fix it."""

    file: str
    line: int | None
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what} — {self.hint}" if self.hint else f"{where}: {what}"


class ConfigError(Exception):
    """A config file that cannot be used; ``problems`` says why, one line each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def dotted(path: Iterable[str | int]) -> str:
    """Write a path the way staff read it: ``practitioners[2].schedule.mon``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


@dataclass(frozen=True)
class YamlDocument:
    """Plain data parsed from YAML, with the line of every key and list item."""

    filename: str
    data: Any
    lines: Mapping[FieldPath, int]

    def line_of(self, path: Sequence[str | int]) -> int:
        """Line of the deepest part of ``path`` that is in the file."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1

    def node(self, path: Sequence[str | int]) -> Any:
        """The value at ``path``, or ``None`` when the file has nothing there."""
        return self.node_and_depth(path)[0] if self.has(path) else None

    def has(self, path: Sequence[str | int]) -> bool:
        """Whether every part of ``path`` is present in the data."""
        return self.node_and_depth(path)[1] == len(path)

    def node_and_depth(self, path: Sequence[str | int]) -> tuple[Any, int]:
        """The deepest value reachable along ``path`` and how many parts it took."""
        node = self.data
        for depth, part in enumerate(path):
            if not _contains(node, part):
                return node, depth
            node = node[part]
        return node, len(path)

    def problem(self, path: Sequence[str | int], message: str, hint: str = "") -> Problem:
        """A problem located at ``path`` (or at its deepest part in the file)."""
        return Problem(self.filename, self.line_of(path), dotted(path), message, hint)

    def items(self, *path: str | int) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
        """``(path, item)`` for each mapping in the list at ``path``; skips malformed ones."""
        node = self.node(path)
        for index, item in enumerate(node if isinstance(node, list) else []):
            if isinstance(item, dict):
                yield (*path, index), item


def _contains(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


# ---------------------------------------------------------------- YAML with lines


def read_config_text(path: Path) -> str | list[Problem]:
    """A config file's text, or the problem that keeps it from being read."""
    name = str(path)
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        hint = "check the path, or start from the examples/ folder"
        return [Problem(name, None, "", "file not found", hint)]
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        return [Problem(name, line, "", "the file is not UTF-8 text", "save it as UTF-8")]
    except OSError as error:
        hint = "check that the path is a readable file"
        return [Problem(name, None, "", f"cannot read the file ({error.strerror})", hint)]


def parse_yaml(text: str, filename: str) -> YamlDocument | list[Problem]:
    """Parse YAML text into plain Python with line numbers, or the syntax problem."""
    # Round-trip mode keeps positions and refuses duplicate keys; YAML 1.2 also
    # keeps `no`, `on` and `21:00` as the strings staff meant.
    yaml = YAML(typ="rt")
    try:
        with warnings.catch_warnings():
            # A reused anchor name is legal YAML; ruamel only warns about it,
            # and a warning must not turn a good file into a crash.
            warnings.simplefilter("ignore", YAMLWarning)
            raw = yaml.load(text)
    except MarkedYAMLError as error:
        return [_syntax_problem(error, text, filename)]
    except YAMLError as error:
        return [Problem(filename, None, "", f"YAML error: {error}", _SYNTAX_HINT)]
    lines: dict[FieldPath, int] = {(): 1}
    try:
        return YamlDocument(filename, _plain(raw, (), lines), lines)
    except RecursionError:
        # `&a [*a]` is valid YAML for a list that contains itself.
        hint = "an alias (*name) must not point at a section that contains it"
        return [Problem(filename, None, "", "the file refers to itself through an anchor", hint)]


def _plain(node: Any, path: FieldPath, lines: dict[FieldPath, int]) -> Any:
    # ruamel's round-trip types (CommentedMap, ScalarFloat, TimeStamp, …) carry
    # formatting; pydantic and the rest of carebot want the builtin types.
    if isinstance(node, dict):
        return _plain_mapping(node, path, lines)
    if isinstance(node, list | CommentedSet):
        return _plain_sequence(list(node), getattr(node, "lc", None), path, lines)
    return _plain_scalar(node)


def _plain_mapping(node: Any, path: FieldPath, lines: dict[FieldPath, int]) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for key, value in node.items():
        name = str(_plain_scalar(key))
        lines[(*path, name)] = _key_line(node, key, path, lines)
        plain[name] = _plain(value, (*path, name), lines)
    return plain


def _key_line(node: Any, key: Any, path: FieldPath, lines: dict[FieldPath, int]) -> int:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        # Keys merged in with `<<: *anchor` have no position of their own.
        return lines.get(path, 1)


def _plain_sequence(
    items: list[Any], positions: Any, path: FieldPath, lines: dict[FieldPath, int]
) -> list[Any]:
    plain = []
    for index, item in enumerate(items):
        try:
            lines[(*path, index)] = int(positions.item(index)[0]) + 1
        except (AttributeError, KeyError, TypeError, IndexError):
            lines[(*path, index)] = lines.get(path, 1)
        plain.append(_plain(item, (*path, index), lines))
    return plain


def _plain_scalar(node: Any) -> Any:
    if isinstance(node, TaggedScalar):
        return node.value
    if node is None or type(node) in (str, int, float, bool, date):
        return node
    if isinstance(node, bool):
        return bool(node)
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)
    if isinstance(node, datetime):
        return datetime(*node.timetuple()[:6], node.microsecond, tzinfo=node.tzinfo)
    if isinstance(node, date):
        return date(node.year, node.month, node.day)
    return node


_SYNTAX_HINT = "check the indentation and the quoting on this line and the lines above it"

_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    ("'\\t'", "indent with spaces, not tabs"),
    ("mapping values are not allowed", "a value containing ': ' must be put in quotes"),
    ("undefined alias", "define the anchor (&name) before using it (*name)"),
    ("quoted scalar", "close the quote, or escape a quote inside the text"),
    ("cannot start any token", "put the value in quotes"),
    ("could not find expected ':'", "a key needs a colon and a space after it ('key: value')"),
)

#: What is left open when the file ends, in staff's words, and how to close it.
_UNCLOSED: tuple[tuple[str, str, str], ...] = (
    ("quoted scalar", "quoted text", "close the quote, or escape a quote inside the text"),
    ("flow sequence", "'[' list", "close the list with ']'"),
    ("flow mapping", "'{' section", "close the section with '}'"),
    ("", "'[' or '{'", "close every '[' with ']' and every '{' with '}'"),
)


def _syntax_problem(error: MarkedYAMLError, text: str, filename: str) -> Problem:
    lines = text.splitlines() or [""]
    line = _mark_line(error.problem_mark, len(lines))
    context_line = _mark_line(error.context_mark, len(lines))
    what = (error.problem or str(error)).strip()
    duplicate = re.match(r'found duplicate key "(.*?)"', what)
    if duplicate:
        message = f"YAML syntax error: duplicate key {duplicate.group(1)!r}"
        return Problem(filename, line, "", message, _first_key_hint(error, duplicate[1], lines))
    if ("end of stream" in what or "<stream end>" in what) and context_line:
        # An unclosed quote or bracket is only noticed at the end of the file;
        # where it was opened is the line to fix.
        _, name, hint = next(u for u in _UNCLOSED if u[0] in str(error.context))
        return Problem(filename, context_line, "", f"YAML syntax error: {name} never closed", hint)
    if what.startswith("expected <block end>"):
        # ruamel's words for "this line is indented differently from its siblings".
        hint = "line it up with the keys or '- ' items it belongs with (spaces only)"
        message = "YAML syntax error: the indentation of this line does not match the lines above"
        return Problem(filename, line, "", message, hint)
    if error.context and context_line not in (None, line):
        what += f" ({error.context} started on line {context_line})"
    hint = next((hint for key, hint in _SYNTAX_HINTS if key in what), _SYNTAX_HINT)
    return Problem(filename, line or context_line, "", f"YAML syntax error: {what}", hint)


def _mark_line(mark: Any, last_line: int) -> int | None:
    # An error "at the end of the stream" is marked on the line after the last.
    return None if mark is None else min(int(mark.line) + 1, last_line)


def _first_key_hint(error: MarkedYAMLError, key: str, lines: list[str]) -> str:
    hint = "each key may appear only once in a section: keep one and remove the other"
    problem, context = error.problem_mark, error.context_mark
    if problem is None or context is None:
        return hint
    # ruamel marks the mapping's start, not the first occurrence: look for a
    # block key at the same column between the two.
    column = int(problem.column)
    for number in range(int(context.line), int(problem.line)):
        text = lines[number]
        if not text[:column].strip(" -") and re.match(rf"{re.escape(key)}\s*:", text[column:]):
            return f"{key!r} is already set on line {number + 1}; keep one and remove the other"
    return hint


# ------------------------------------------------------------ schema validation


def validate(
    doc: YamlDocument, model: type[Model], example: str
) -> tuple[Model | None, list[Problem]]:
    """Validate the data against ``model``; every schema error becomes a ``Problem``."""
    if doc.data is None:
        hint = f"fill it in; {example} is a complete example"
        return None, [Problem(doc.filename, None, "", "the file is empty", hint)]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as error:
        return None, schema_problems(error.errors(include_url=False), doc, model)


def schema_problems(
    errors: Sequence[ErrorDetails], doc: YamlDocument, model: type[BaseModel]
) -> list[Problem]:
    """Turn pydantic errors into located, friendly problems (one per real mistake)."""
    typos = {err["loc"]: _suggest_key(err["loc"], model) for err in errors if _is_unknown(err)}
    # `practioners:` makes pydantic report both an unknown key and a missing
    # `practitioners`; the "did you mean" already says it all.
    explained = {(*loc[:-1], guess) for loc, guess in typos.items() if guess}
    problems = []
    for err in errors:
        if err["type"] == "missing" and err["loc"] in explained:
            continue
        problems.append(_schema_problem(err, doc, model, typos.get(err["loc"])))
    return _unique(problems)


def _is_unknown(err: ErrorDetails) -> bool:
    return err["type"] == "extra_forbidden"


def _schema_problem(
    err: ErrorDetails, doc: YamlDocument, model: type[BaseModel], guess: str | None
) -> Problem:
    loc = err["loc"]
    if _is_unknown(err):
        return doc.problem(loc, *_unknown_key(str(loc[-1]), guess, _allowed_keys(model, loc[:-1])))
    if err["type"] == "missing":
        parent = loc[: doc.node_and_depth(loc[:-1])[1]]
        return doc.problem(parent, *_missing_key(str(loc[-1]), parent))
    # A location may go deeper than the file (a union member's tag, or the
    # `hours` that a shorthand `mon: 09:00-12:00` stands for): point at what
    # staff actually wrote.
    path = loc[: doc.node_and_depth(loc)[1]]
    message, hint = _describe(err)
    return doc.problem(_pinpoint_range(doc, path, message), message, hint)


def _unknown_key(key: str, guess: str | None, allowed: list[str]) -> tuple[str, str]:
    if guess:
        return f"unknown key {key!r}", f"did you mean {guess!r}?"
    if allowed:
        return f"unknown key {key!r}", f"remove it; the keys allowed here are {', '.join(allowed)}"
    return f"unknown key {key!r}", "remove it"


def _missing_key(key: str, parent: Sequence[str | int]) -> tuple[str, str]:
    where = f"under {dotted(parent)!r}" if parent else "at the top level (no indentation)"
    return f"missing required key {key!r}", f"add a '{key}:' line {where}"


def _suggest_key(loc: Sequence[str | int], model: type[BaseModel]) -> str | None:
    return closest(str(loc[-1]), _allowed_keys(model, loc[:-1]))


def closest(word: str, choices: Iterable[str], cutoff: float = 60) -> str | None:
    """The choice most like ``word`` (typos, missing letters), if any is close enough."""
    choices = list(choices)
    exact = [choice for choice in choices if choice.casefold() == word.casefold()]
    match = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return exact[0] if exact else match[0] if match else None


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    found = _model_at(model, loc)
    if found is None:
        return []
    return [field.alias or name for name, field in found.model_fields.items()]


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int) and get_origin(current) is list:
            current = get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            fields = {field.alias or name: field for name, field in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[str(part)].annotation
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    # Strip `Annotated[...]` and `X | None` to reach the model or list inside.
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = next((m for m in members if _is_container(m)), members[0])
        else:
            return annotation


def _is_container(annotation: Any) -> bool:
    inner = _unwrap(annotation)
    is_model = isinstance(inner, type) and issubclass(inner, BaseModel)
    return is_model or get_origin(inner) is list


def _unique(problems: list[Problem]) -> list[Problem]:
    # A `date | datetime` field reports the same bad value once per member.
    seen: set[tuple[int | None, str, str]] = set()
    unique = []
    for problem in problems:
        key = (problem.line, problem.field, problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return unique


def _pinpoint_range(doc: YamlDocument, path: FieldPath, message: str) -> FieldPath:
    # Day-level checks ("breaks A and B overlap") are raised for the whole
    # day; point at the break or hours entry the message names instead.
    for key in ("breaks", "hours"):
        if not message.startswith(key.rstrip("s")) or not doc.has((*path, key)):
            continue
        entries = doc.node((*path, key))
        if not isinstance(entries, list):
            return (*path, key)
        named = [i for i, text in enumerate(entries) if _range_text(text) in message]
        if named:
            return (*path, key, max(named, key=lambda i: message.rfind(_range_text(entries[i]))))
        return (*path, key)
    return path


def _range_text(value: Any) -> str:
    # Ranges appear in messages as TimeRange's str (`12:30-14:00`).
    return re.sub(r"\s+", "", value) if isinstance(value, str) else "\0"


# ------------------------------------------------------------- friendly wording


def _describe(err: ErrorDetails) -> tuple[str, str]:
    """What is wrong and how to fix it, for one pydantic error."""
    kind, value = err["type"], err.get("input")
    if kind in ("value_error", "assertion_error"):
        return _from_value_error(err)
    if value is None and kind.endswith("_type"):
        return "has no value", f"write a value after the {_marker(err)}, or remove the line"
    for kinds, describe in _DESCRIPTIONS:
        if kind in kinds:
            return describe(value, err.get("ctx") or {})
    return err["msg"], "compare with the example file in examples/"


def _marker(err: ErrorDetails) -> str:
    # An empty list item (`-`) and an empty value (`key:`) are fixed differently.
    return "'-'" if err["loc"] and isinstance(err["loc"][-1], int) else "colon"


def _from_value_error(err: ErrorDetails) -> tuple[str, str]:
    text = str((err.get("ctx") or {}).get("error") or err["msg"])
    text = re.sub(r"^(Value error|Assertion failed), ", "", text)
    message, _, hint = text.partition(" — ")
    if message.startswith("unknown timezone"):
        guess = closest(str(err.get("input")), _timezones(), cutoff=80)
        hint = f"did you mean {guess!r}? ({hint})" if guess else hint
    return message, hint or _value_error_hint(message)


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


_VALUE_ERROR_HINTS: tuple[tuple[str, str], ...] = (
    ("overlap", "change the times so that they do not overlap"),
    ("not inside the working hours", "move the break inside the day's hours, or widen the hours"),
    ("'to' must come after 'from'", "swap the two dates, or correct one of them"),
    ("longer than zero", "give a duration such as 15m or 1h"),
    ("5-minute steps", "round it to a multiple of 5 minutes, e.g. 10m, 15m or 20m"),
)


def _value_error_hint(message: str) -> str:
    return next((hint for key, hint in _VALUE_ERROR_HINTS if key in message), "correct the value")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a section of 'key: value' lines"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, str) else str(value)


def _text(value: Any, _: Mapping[str, Any]) -> tuple[str, str]:
    hint = "put it in quotes, exactly as it should read"
    return f"expected text, got {_shown(value)}", hint


def _whole(value: Any, _: Mapping[str, Any]) -> tuple[str, str]:
    return f"expected a whole number, got {_shown(value)}", "write digits only, e.g. 3"


def _number(value: Any, _: Mapping[str, Any]) -> tuple[str, str]:
    return f"expected a number, got {_shown(value)}", "write digits with a dot, e.g. 30.00"


def _boolean(value: Any, _: Mapping[str, Any]) -> tuple[str, str]:
    return f"expected true or false, got {_shown(value)}", "write true or false"


def _a_list(value: Any, _: Mapping[str, Any]) -> tuple[str, str]:
    hint = "write it as [a, b] or put each item on its own line starting with '- '"
    return f"expected a list, got {_shown(value)}", hint


def _a_section(value: Any, ctx: Mapping[str, Any]) -> tuple[str, str]:
    hint = "put its keys on the following lines, indented under it"
    if ctx.get("class_name") == "Localized":
        hint = "write one line per language under it, e.g. 'fr: …' and 'en: …'"
    return f"expected a section of 'key: value' lines, got {_shown(value)}", hint


def _choice(value: Any, ctx: Mapping[str, Any]) -> tuple[str, str]:
    return f"{_shown(value)} is not allowed here", f"use {ctx.get('expected', 'another value')}"


def _pattern(value: Any, ctx: Mapping[str, Any]) -> tuple[str, str]:
    if "A-Z" in str(ctx.get("pattern")):
        return f"{_shown(value)} is not a currency code", "use a 3-letter ISO code such as EUR"
    hint = "use lowercase letters, digits, '-' and '_' (at most 40), e.g. dr-martin"
    return f"{_shown(value)} is not a valid id", hint


def _empty(value: Any, ctx: Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(value, list):
        return "must not be empty", "add at least one item"
    return "must not be blank", "write the text, or remove the line"


def _too_small(value: Any, ctx: Mapping[str, Any]) -> tuple[str, str]:
    bound = next((f"{op} {ctx[key]}" for key, op in _BOUNDS if key in ctx), "larger")
    return f"{_shown(value)} is too small", f"use a value {bound}"


_BOUNDS = (("ge", "of at least"), ("gt", "above"))


def _a_date(value: Any, _: Mapping[str, Any]) -> tuple[str, str]:
    hint = "write it as YYYY-MM-DD (e.g. 2026-12-24), or YYYY-MM-DD HH:MM:SS for a time"
    return f"bad date {_shown(value)}", hint


Describe = Callable[[Any, Mapping[str, Any]], tuple[str, str]]

_DESCRIPTIONS: tuple[tuple[frozenset[str], Describe], ...] = (
    (frozenset({"string_type"}), _text),
    (frozenset({"int_type", "int_parsing", "int_from_float"}), _whole),
    (frozenset({"float_type", "float_parsing", "decimal_type", "decimal_parsing"}), _number),
    (frozenset({"bool_type", "bool_parsing"}), _boolean),
    (frozenset({"list_type", "tuple_type", "set_type"}), _a_list),
    (frozenset({"dict_type", "model_type", "model_attributes_type"}), _a_section),
    (frozenset({"literal_error", "enum"}), _choice),
    (frozenset({"string_pattern_mismatch"}), _pattern),
    (frozenset({"too_short", "string_too_short"}), _empty),
    (frozenset({"greater_than_equal", "greater_than"}), _too_small),
    (
        frozenset(
            {
                "date_type",
                "date_parsing",
                "date_from_datetime_parsing",
                "date_from_datetime_inexact",
                "datetime_type",
                "datetime_parsing",
                "datetime_from_date_parsing",
            }
        ),
        _a_date,
    ),
)


# ----------------------------------------------------------- clinic.yaml checks


def load_clinic(text: str, filename: str) -> ClinicConfig | list[Problem]:
    """Parse and check a ``clinic.yaml``: the config, or every problem found in it."""
    doc = parse_yaml(text, filename)
    if isinstance(doc, list):
        return doc
    config, problems = validate(doc, ClinicConfig, "examples/clinic.yaml")
    problems = merge_problems(problems, clinic_cross_checks(doc))
    if problems or config is None:
        return problems
    return config


def load_clinic_file(path: Path) -> ClinicConfig:
    """Read and check a ``clinic.yaml``; raise ``ConfigError`` listing every problem."""
    text = read_config_text(path)
    clinic = text if isinstance(text, list) else load_clinic(text, str(path))
    if isinstance(clinic, list):
        raise ConfigError(clinic)
    return clinic


def merge_problems(schema: list[Problem], checks: Iterable[Problem]) -> list[Problem]:
    """Schema problems plus cross-check ones not already said there, in file order."""
    said = {(problem.line, problem.field) for problem in schema}
    merged = schema + [p for p in checks if (p.line, p.field) not in said]
    return sorted(merged, key=lambda problem: problem.line or 0)


def declared_languages(data: Any) -> list[str]:
    """The languages a parsed ``clinic.yaml`` declares (the schema's default if none)."""
    clinic = data.get("clinic") if isinstance(data, dict) else None
    languages = clinic.get("languages") if isinstance(clinic, dict) else None
    if isinstance(languages, list) and all(isinstance(lang, str) for lang in languages):
        return list(languages)
    return list(DEFAULT_LANGUAGES)


def clinic_cross_checks(doc: YamlDocument) -> list[Problem]:
    """Checks across sections that the schema cannot express, on the raw data."""
    checks = (
        duplicate_ids(doc, "practitioners", "practitioner"),
        duplicate_ids(doc, "services", "service"),
        _unknown_services(doc),
        _unoffered_services(doc),
        _default_language(doc),
        _practitioner_languages(doc),
        _missing_translations(doc),
        _days_off_only(doc),
        _duplicate_reminders(doc),
        _staff_ids(doc),
        _closures_in_order(doc),
        _bookable_window(doc),
    )
    return [problem for check in checks for problem in check]


def duplicate_ids(doc: YamlDocument, section: str, what: str) -> Iterator[Problem]:
    """A problem for each item of ``section`` whose ``id`` an earlier item already uses."""
    first_line: dict[str, int] = {}
    for path, item in doc.items(section):
        ident = item.get("id")
        if not isinstance(ident, str):
            continue
        if ident in first_line:
            hint = f"give each {what} its own id (this one is already used on line "
            message = f"duplicate {what} id {ident!r}"
            yield doc.problem((*path, "id"), message, f"{hint}{first_line[ident]})")
        else:
            first_line[ident] = doc.line_of((*path, "id"))


def _service_ids(doc: YamlDocument) -> list[str]:
    return [item["id"] for _, item in doc.items("services") if isinstance(item.get("id"), str)]


def _unknown_services(doc: YamlDocument) -> Iterator[Problem]:
    known = _service_ids(doc)
    if not isinstance(doc.node(("services",)), list):
        return
    for path, practitioner in doc.items("practitioners"):
        offered = practitioner.get("services")
        for index, service in enumerate(offered if isinstance(offered, list) else []):
            if isinstance(service, str) and service not in known:
                yield doc.problem(
                    (*path, "services", index),
                    f"unknown service {service!r}",
                    _which_service(service, known),
                )


def _which_service(service: str, known: list[str]) -> str:
    guess = closest(service, known)
    if guess:
        return f"did you mean {guess!r}? (services are defined under 'services:')"
    return f"use one of {', '.join(known)}, or define it under 'services:'"


def _unoffered_services(doc: YamlDocument) -> Iterator[Problem]:
    practitioners = doc.node(("practitioners",))
    items = practitioners if isinstance(practitioners, list) else []
    lists = [
        i["services"] for i in items if isinstance(i, dict) and isinstance(i.get("services"), list)
    ]
    if not items or len(lists) != len(items):
        return  # a practitioner's services are unreadable: the schema says so already
    offered = {s for services in lists for s in services if isinstance(s, str)}
    for path, service in doc.items("services"):
        ident = service.get("id")
        if isinstance(ident, str) and ident not in offered:
            hint = f"add {ident!r} to the services of a practitioner, or remove this service"
            yield doc.problem((*path, "id"), f"no practitioner offers service {ident!r}", hint)


def _clinic_languages(doc: YamlDocument) -> list[str] | None:
    # None when `languages` itself is broken: the schema reports that, and
    # checking against a guess would only add noise.
    declared = doc.node(("clinic", "languages"))
    if declared is not None and not isinstance(declared, list):
        return None
    return declared_languages(doc.data)


def _default_language(doc: YamlDocument) -> Iterator[Problem]:
    languages = _clinic_languages(doc)
    default = doc.node(("clinic", "default_language"))
    if languages is None or not isinstance(doc.node(("clinic",)), dict):
        return
    if default is None:
        if "fr" not in languages:
            hint = f"add 'default_language: {languages[0]}' under 'clinic'"
            yield doc.problem(
                ("clinic",), "default_language is fr (the default) but fr is not in languages", hint
            )
    elif isinstance(default, str) and default not in languages:
        hint = f"use one of {', '.join(languages)}, or add {default} to languages"
        yield doc.problem(
            ("clinic", "default_language"),
            f"{default!r} is not one of the clinic's languages",
            hint,
        )


def _practitioner_languages(doc: YamlDocument) -> Iterator[Problem]:
    languages = _clinic_languages(doc) or []
    hint = f"the clinic speaks {', '.join(languages)}: remove it or add it to clinic.languages"
    for path, practitioner in doc.items("practitioners") if languages else ():
        # A practitioner without `languages` speaks the schema's default, French.
        spoken = practitioner.get("languages", ["fr"])
        for index, language in enumerate(spoken if isinstance(spoken, list) else []):
            if isinstance(language, str) and language not in languages:
                where = (*path, "languages", index) if "languages" in practitioner else path
                message = f"language {language!r} is not one of the clinic's languages"
                yield doc.problem(where, message, hint)


def _localized_paths(doc: YamlDocument) -> Iterator[FieldPath]:
    # Every text a patient may read; each must exist in every clinic language.
    for path, _ in doc.items("emergency_numbers"):
        yield (*path, "label")
    for path, _ in doc.items("practitioners"):
        yield (*path, "title")
    for path, _ in doc.items("services"):
        yield from ((*path, "name"), (*path, "description"), (*path, "preparation", "text"))


def missing_translations(
    doc: YamlDocument, paths: Iterable[FieldPath], languages: Sequence[str]
) -> Iterator[Problem]:
    """A problem for each localized text at ``paths`` that lacks one of ``languages``."""
    for path in paths:
        texts = doc.node(path)
        if not isinstance(texts, dict):
            continue  # absent, a plain string (same in every language) or a schema error
        for language in languages:
            text = texts.get(language)
            if not (isinstance(text, str) and text.strip()):
                hint = f"add a line '{language}: …' under {str(path[-1])!r}"
                yield doc.problem(path, f"no {language!r} text", hint)


def _missing_translations(doc: YamlDocument) -> Iterator[Problem]:
    return missing_translations(doc, _localized_paths(doc), _clinic_languages(doc) or ())


def _has_a_day(schedule: dict[str, Any]) -> bool:
    return any(schedule.get(day) is not None for day in WEEKDAYS)


def _days_off_only(doc: YamlDocument) -> Iterator[Problem]:
    hours = doc.node(("opening_hours",))
    if isinstance(hours, dict) and not _has_a_day(hours):
        hint = "give at least one day, e.g. 'mon: 08:00-19:00'"
        yield doc.problem(("opening_hours",), "the clinic is never open", hint)
    for path, practitioner in doc.items("practitioners"):
        schedule = practitioner.get("schedule")
        if isinstance(schedule, dict) and not _has_a_day(schedule):
            hint = "give at least one working day, e.g. 'mon: 09:00-17:00'"
            yield doc.problem((*path, "schedule"), "this practitioner never works", hint)


def _duration(value: Any) -> timedelta | None:
    try:
        return parse_duration(value)
    except ValueError:
        return None


def _duplicate_reminders(doc: YamlDocument) -> Iterator[Problem]:
    offsets = doc.node(("reminders", "offsets"))
    seen: dict[timedelta, Any] = {}
    for index, offset in enumerate(offsets if isinstance(offsets, list) else []):
        duration = _duration(offset)
        if duration is not None and duration in seen:
            hint = f"it is the same as {seen[duration]}; remove one of them"
            yield doc.problem(
                ("reminders", "offsets", index), f"reminder {offset} is listed twice", hint
            )
        elif duration is not None:
            seen[duration] = offset


def _staff_ids(doc: YamlDocument) -> Iterator[Problem]:
    users = doc.node(("staff", "telegram_user_ids"))
    seen: set[int] = set()
    for index, user in enumerate(users if isinstance(users, list) else []):
        if not isinstance(user, int) or isinstance(user, bool):
            continue  # the schema reports ids that are not numbers
        path = ("staff", "telegram_user_ids", index)
        if user in seen:
            yield doc.problem(path, f"user id {user} is listed twice", "remove one of them")
        elif user <= 0:
            hint = "a Telegram user id is positive; a negative id is a group (telegram_group_id)"
            yield doc.problem(path, f"{user} is not a Telegram user id", hint)
        seen.add(user)
    group = doc.node(("staff", "telegram_group_id"))
    if isinstance(group, int) and not isinstance(group, bool) and group > 0:
        hint = "Telegram group ids are negative (e.g. -1001234567890); a positive id is a person"
        yield doc.problem(("staff", "telegram_group_id"), f"{group} is not a group id", hint)


def _closures_in_order(doc: YamlDocument) -> Iterator[Problem]:
    for path, closure in doc.items("closures"):
        start, end = closure.get("from"), closure.get("to")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            yield doc.problem(
                (*path, "to"),
                f"the closure ends ({end}) before it starts ({start})",
                "swap the two dates, or correct one of them",
            )


def _bookable_window(doc: YamlDocument) -> Iterator[Problem]:
    booking = doc.node(("booking",))
    if not isinstance(booking, dict):
        return
    defaults = BookingRules()
    step = _duration(booking.get("slot_step", defaults.slot_step))
    if step is not None and step <= timedelta(0):
        yield doc.problem(
            ("booking", "slot_step"), "must be longer than zero", "use 5m, 10m or 15m"
        )
    notice = _duration(booking.get("min_notice", defaults.min_notice))
    horizon = _duration(booking.get("max_horizon", defaults.max_horizon))
    if notice is not None and horizon is not None and notice >= horizon:
        hint = "make min_notice shorter than max_horizon, or nothing can ever be booked"
        yield doc.problem(
            ("booking", "min_notice"), "min_notice is not shorter than max_horizon", hint
        )
