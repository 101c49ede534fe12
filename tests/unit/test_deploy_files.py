"""The deployment files (Dockerfile, compose.yaml, .dockerignore) agree with the code they run.

No Docker engine is needed: the files are parsed and checked against the settings
class, the CLI, the web app and the package layout they depend on, so a rename on
either side fails here instead of in a clinic's deployment.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import typer
from packaging.specifiers import SpecifierSet
from ruamel.yaml import YAML
from sqlalchemy.engine import make_url

from bot.bootstrap import bootstrap
from bot.cli import app as cli_app
from bot.runner import stop_running
from bot.settings import Settings
from bot.web import create_app
from tests.fakes.serving import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

#: What the official postgres image reads from its environment.
POSTGRES_IMAGE_VARIABLES = {
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "POSTGRES_INITDB_ARGS",
    "POSTGRES_INITDB_WALDIR",
    "POSTGRES_HOST_AUTH_METHOD",
    "PGDATA",
}


# --- reading the files ------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, its continuation lines joined."""

    keyword: str
    arguments: str
    stage: int  # 0 for the first FROM, 1 for the second...


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions in order, without comments."""
    instructions: list[Instruction] = []
    pending = ""
    stage = -1
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments may sit inside a continued instruction too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(keyword.upper(), arguments.strip(), stage))
    assert not pending, "the Dockerfile ends in the middle of a continued line"
    return instructions


def final_stage() -> list[Instruction]:
    """The instructions of the stage that becomes the image."""
    instructions = dockerfile()
    last = instructions[-1].stage
    return [i for i in instructions if i.stage == last]


def only(keyword: str, instructions: list[Instruction]) -> Instruction:
    """The one instruction with this keyword (Docker keeps only the last CMD, USER...)."""
    found = [i for i in instructions if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword} in the final stage, found {len(found)}"
    return found[0]


def without_flags(arguments: str) -> tuple[dict[str, str], str]:
    """Split ``--name=value`` flags from the rest of an instruction's arguments."""
    flags: dict[str, str] = {}
    rest = arguments
    while match := re.match(r"--([\w-]+)=(\S+)\s+", rest):
        flags[match.group(1)] = match.group(2)
        rest = rest[match.end() :]
    return flags, rest


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) command; the shell form would put /bin/sh in between."""
    assert arguments.startswith("["), f"not in exec form: {arguments}"
    argv = json.loads(arguments)
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
    return argv


def image_environment() -> dict[str, str]:
    """What the final stage's ENV instructions set."""
    variables: dict[str, str] = {}
    for instruction in final_stage():
        if instruction.keyword == "ENV":
            for pair in shlex.split(instruction.arguments):
                name, _, value = pair.partition("=")
                variables[name] = value
    return variables


def compose() -> dict[str, Any]:
    """compose.yaml as plain data."""
    data = YAML(typ="safe").load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def service(name: str) -> dict[str, Any]:
    """One service of compose.yaml."""
    services = compose()["services"]
    assert name in services, f"compose.yaml has no {name!r} service"
    result = services[name]
    assert isinstance(result, dict)
    return result


def environment_of(name: str) -> dict[str, str]:
    """A service's ``environment``, in either of compose's spellings."""
    raw = service(name).get("environment", {})
    if isinstance(raw, list):
        raw = dict(item.partition("=")[::2] for item in raw)
    return {str(k): str(v) for k, v in raw.items()}


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Resolve compose's ``${NAME}``, ``${NAME:-default}`` and ``$$`` as ``docker compose`` does."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, default = match.group("name"), match.group("op"), match.group("default")
        assert operator in (None, ":-", "-"), f"unsupported interpolation {match.group(0)}"
        if variables.get(name):
            return variables[name]
        assert default is not None, f"{name} has no default: compose would leave it empty"
        return default

    pattern = r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?+])(?P<default>[^}]*))?\}"
    return re.sub(pattern, one, value)


def dockerignore_excludes(path: str) -> bool:
    """Whether .dockerignore keeps ``path`` (relative, with /) out of the build context.

    As Docker does: a pattern matches the path or one of its parent folders, ``**``
    spans folders, ``!`` re-includes, and the last matching pattern wins.
    """
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            excluded = not negated
    return excluded


def free_port() -> int:
    """A port nothing listens on (just released by the OS)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def parse_duration(text: str) -> float:
    """Seconds in a compose duration such as ``15s`` or ``1m30s``."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 0.000001}
    pieces = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", text)
    assert "".join(n + u for n, u in pieces) == text, f"not a duration: {text!r}"
    return sum(float(n) * units[u] for n, u in pieces)


# --- compose.yaml -------------------------------------------------------------------------


def test_compose_sets_only_variables_that_something_reads() -> None:
    """Every variable compose passes to carebot is a Settings field (a typo would be
    silently ignored, as Settings ignores unknown names), and the db service's are the
    postgres image's own."""
    fields = {name.upper() for name in Settings.model_fields}
    unknown = set(environment_of("carebot")) - fields
    assert not unknown, f"not settings of bot.settings.Settings: {sorted(unknown)}"
    assert set(environment_of("db")) <= POSTGRES_IMAGE_VARIABLES


@pytest.mark.parametrize("password", ["", "Zq81xk2LmP"], ids=["default", "from-.env"])
def test_carebot_connects_to_the_db_service_with_its_credentials(password: str) -> None:
    """DATABASE_URL is a psycopg URL to the db service's host, user, password and
    database, with or without POSTGRES_PASSWORD set in .env."""
    variables = {"POSTGRES_PASSWORD": password}
    db = {k: interpolate(v, variables) for k, v in environment_of("db").items()}
    url = make_url(interpolate(environment_of("carebot")["DATABASE_URL"], variables))
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "db" and url.host in compose()["services"]
    assert url.port in (None, 5432)
    assert url.username == db["POSTGRES_USER"]
    assert url.password == db["POSTGRES_PASSWORD"]
    assert url.database == db["POSTGRES_DB"]
    if password:
        assert url.password == password


def test_carebot_starts_once_the_database_is_healthy() -> None:
    """carebot waits for the db's health check, which asks pg_isready for the very user
    and database carebot uses; PostgreSQL's data lives in a named volume."""
    db = service("db")
    assert str(db["image"]).startswith("postgres:16")
    assert service("carebot")["depends_on"]["db"]["condition"] == "service_healthy"
    probe = db["healthcheck"]["test"]
    argv = probe[1:] if probe[0] == "CMD" else shlex.split(probe[1])
    assert argv[0] == "pg_isready"
    env = environment_of("db")
    assert argv[argv.index("-U") + 1] == env["POSTGRES_USER"]
    assert argv[argv.index("-d") + 1] == env["POSTGRES_DB"]
    volume, _, target = next(v for v in db["volumes"] if ":" in v).partition(":")
    assert volume in compose()["volumes"], f"{volume} is not a named volume"
    assert target == env.get("PGDATA", "/var/lib/postgresql/data")


def test_the_clinic_files_come_from_the_read_only_config_mount() -> None:
    """CLINIC_FILE and FAQ_FILE point into the folder ./config is mounted on, read-only."""
    mounts = [str(v).split(":") for v in service("carebot")["volumes"]]
    config = next(m for m in mounts if m[0] == "./config")
    assert config[2:] == ["ro"]
    env = environment_of("carebot")
    for name in ("CLINIC_FILE", "FAQ_FILE"):
        assert PurePosixPath(env[name]).parent == PurePosixPath(config[1]), name


def test_the_web_app_listens_where_compose_and_the_image_expect_it() -> None:
    """One port everywhere: WEB_PORT in compose and in the image, EXPOSE, the port
    published (on the host's loopback only) and what the health check asks."""
    env = environment_of("carebot")
    assert env["WEB_HOST"] == "0.0.0.0" == image_environment()["WEB_HOST"]
    port = env["WEB_PORT"]
    assert image_environment()["WEB_PORT"] == port
    assert only("EXPOSE", final_stage()).arguments.split("/")[0] == port
    [published] = service("carebot")["ports"]
    host_ip, _host_port, container_port = str(published).split(":")
    assert container_port == port
    assert host_ip == "127.0.0.1", "/metrics and the webhooks would be public without TLS"


def test_compose_leaves_carebot_time_to_finish_turns_on_stop() -> None:
    """``docker compose stop`` waits longer than carebot gives turns in flight after SIGTERM."""
    grace = inspect.signature(stop_running).parameters["timeout"].default
    assert parse_duration(service("carebot")["stop_grace_period"]) > grace


def test_both_services_come_back_after_a_reboot() -> None:
    """restart: unless-stopped on carebot and its database; settings from .env."""
    assert service("carebot")["restart"] == service("db")["restart"] == "unless-stopped"
    assert service("carebot")["env_file"] in (".env", [".env"])
    assert (ROOT / ".env.example").is_file()


# --- Dockerfile ---------------------------------------------------------------------------


def test_the_image_runs_carebot_run_which_migrates_first() -> None:
    """The container's command is `carebot run`, a command the CLI registers, and
    building the system applies the migrations unless told not to."""
    stage = final_stage()
    entrypoint = [i for i in stage if i.keyword == "ENTRYPOINT"]
    argv = [*(exec_form(entrypoint[0].arguments) if entrypoint else [])]
    argv += exec_form(only("CMD", stage).arguments)
    assert argv[0] in PYPROJECT["project"]["scripts"]
    group = typer.main.get_command(cli_app)
    assert isinstance(group, typer.core.TyperGroup)
    assert argv[1:] == ["run"] and "run" in group.commands
    assert inspect.signature(bootstrap).parameters["migrate"].default is True


def test_the_image_python_satisfies_requires_python() -> None:
    """Every stage is the same slim Python, one the package supports."""
    images = [i.arguments.split()[0] for i in dockerfile() if i.keyword == "FROM"]
    versions = {re.fullmatch(r"python:(3\.\d+)-slim", image) for image in images}
    assert None not in versions, f"expected python:3.X-slim images: {images}"
    [version] = {match.group(1) for match in versions if match}
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(f"{version}.0")


def test_the_image_runs_as_an_unprivileged_user_without_secrets() -> None:
    """USER is not root, output is unbuffered, pip keeps no cache, and no token, key
    or password is baked into the image."""
    user = only("USER", final_stage()).arguments.split(":")[0]
    assert user not in ("root", "0")
    assert image_environment()["PYTHONUNBUFFERED"] == "1"
    installs = [i for i in dockerfile() if i.keyword == "RUN" and "pip install" in i.arguments]
    assert installs and all("--no-cache-dir" in i.arguments for i in installs)
    secret = re.compile(r"TOKEN|SECRET|KEY|PASSWORD", re.IGNORECASE)
    for instruction in dockerfile():
        if instruction.keyword in ("ENV", "ARG"):
            assert not secret.search(instruction.arguments), instruction


def copied_sources() -> list[str]:
    """What the Dockerfile COPYs from the build context (not from another stage)."""
    sources: list[str] = []
    for instruction in dockerfile():
        flags, rest = without_flags(instruction.arguments)
        if instruction.keyword == "COPY" and "from" not in flags:
            sources += rest.split()[:-1]
    return sources


def test_the_build_copies_every_package_and_file_the_wheel_needs() -> None:
    """The COPYs name files that exist, and cover pyproject's readme and every
    top-level package it includes (a new package would be missing from the image)."""
    sources = {s.rstrip("/") for s in copied_sources()}
    missing = [s for s in sources if not (ROOT / s).exists()]
    assert not missing, f"COPY names what does not exist: {missing}"
    assert PYPROJECT["project"]["readme"] in sources and "pyproject.toml" in sources
    patterns = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").is_file() and any(fnmatchcase(p.name, pat) for pat in patterns)
    }
    assert packages and packages <= sources, f"not copied: {sorted(packages - sources)}"


def test_the_health_check_asks_a_route_of_the_web_app() -> None:
    """The HEALTHCHECK's path is one create_app() serves, asked with the stdlib (the slim
    image has no curl) on the port the image listens on."""
    flags, rest = without_flags(only("HEALTHCHECK", final_stage()).arguments)
    assert rest.startswith("CMD ")
    argv = exec_form(rest.removeprefix("CMD "))
    assert argv[:2] == ["python", "-c"]
    [path] = re.findall(r"['\"](/\w[\w/-]*)['\"]", argv[2])
    routes = {getattr(route, "path", None) for route in create_app().routes}
    assert path in routes, f"{path} is not served; routes: {sorted(map(str, routes))}"
    assert "WEB_PORT" in argv[2]
    assert parse_duration(flags["timeout"]) > float(re.findall(r"timeout=(\d+)", argv[2])[0])


def run_health_check(port: int) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, with this Python, against 127.0.0.1:port."""
    _, rest = without_flags(only("HEALTHCHECK", final_stage()).arguments)
    _, _, code = exec_form(rest.removeprefix("CMD "))
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "WEB_PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
def web_app_port() -> Iterator[int]:
    """carebot's web app served on a free port."""
    with serve_in_thread(create_app(), name="web", on_close=lambda: None) as port:
        yield port


def test_the_health_check_passes_while_the_web_app_answers(web_app_port: int) -> None:
    """Against the real web app, the HEALTHCHECK command exits 0."""
    result = run_health_check(web_app_port)
    assert result.returncode == 0, result.stderr


def test_the_health_check_fails_when_nothing_listens() -> None:
    """With the web app down, the HEALTHCHECK command exits non-zero (container unhealthy)."""
    assert run_health_check(free_port()).returncode != 0


# --- .dockerignore ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [".venv/bin/python", ".git/HEAD", ".env", "carebot.db", "config/carebot.db", "config/.env"],
)
def test_dockerignore_keeps_local_state_and_secrets_out(path: str) -> None:
    """The virtualenv, git history, secrets and databases never reach the build."""
    assert dockerignore_excludes(path)


def test_dockerignore_keeps_everything_the_build_copies() -> None:
    """No file under a COPY source (locales, migrations, sample clinic...) is ignored."""
    files: list[str] = []
    for source in copied_sources():
        root = ROOT / source
        found = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        files += [
            p.relative_to(ROOT).as_posix()
            for p in found
            if "__pycache__" not in p.parts and p.suffix != ".pyc"
        ]
    ignored = [f for f in files if dockerignore_excludes(f)]
    assert files and not ignored, f"ignored but needed: {ignored}"
