"""The layering the README promises, checked on the source: which folder may import what,
what sits at eventapp's root, how long an organiser module may grow, and that "Where things
live" names only paths and functions that exist."""
import ast
import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eventapp"
ROOT_MODULES = {"__init__.py", "extensions.py", "cli.py", "demo.py"}
ORGANISER_MAX_LINES = 300


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path):
    """Every module `path` imports, relative imports resolved; `from x import y` also counts
    as importing x.y (y may be a submodule)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def python_files(folder):
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def imports_where(folder, wrong):
    """"<module> imports <module>" for every import under `folder` that `wrong` refuses."""
    return sorted(
        f"{module_name(path)} imports {module}"
        for path in python_files(folder)
        for module in imported_modules(path)
        if wrong(module)
    )


def is_within(module, package):
    return module == package or module.startswith(package + ".")


def knows_flask_or_the_database(module):
    top = module.split(".")[0]
    return top in ("flask", "werkzeug", "sqlalchemy") or top.startswith("flask_")


BLUEPRINTS = sorted(p.name for p in (PACKAGE / "blueprints").iterdir()
                    if (p / "__init__.py").exists())


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_no_blueprint_imports_another_blueprint_or_the_mail_package(blueprint):
    own = f"eventapp.blueprints.{blueprint}"
    assert imports_where(PACKAGE / "blueprints" / blueprint, lambda module: (
        is_within(module, "eventapp.blueprints") and module != "eventapp.blueprints"
        and not is_within(module, own)) or is_within(module, "eventapp.mail")) == []


def test_the_web_package_imports_no_blueprint():
    assert imports_where(PACKAGE / "web", lambda m: is_within(m, "eventapp.blueprints")) == []


def test_only_the_factory_extensions_cli_and_demo_sit_at_the_package_root():
    stray = []
    for entry in PACKAGE.iterdir():
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            if not (entry / "__init__.py").exists():
                stray.append(f"{entry.name}/ (not a package)")
        elif entry.name not in ROOT_MODULES:
            stray.append(entry.name)
    assert sorted(stray) == [], "put it in web/ (request plumbing) or util/ (pure helpers)"


def test_no_organiser_module_is_longer_than_it_takes_to_read_in_one_sitting():
    long = {
        path.name: length
        for path in python_files(PACKAGE / "blueprints" / "organiser")
        if (length := len(path.read_text().splitlines())) > ORGANISER_MAX_LINES
    }
    assert long == {}, f"split by feature: at most {ORGANISER_MAX_LINES} lines per module"


def test_domain_rules_know_neither_flask_nor_the_database():
    assert imports_where(PACKAGE / "domain", lambda module: knows_flask_or_the_database(module)
                         or (is_within(module, "eventapp")
                             and not is_within(module, "eventapp.domain")
                             and not is_within(module, "eventapp.util"))) == []


def test_util_helpers_know_nothing_of_flask_or_the_rest_of_the_app():
    assert imports_where(PACKAGE / "util", lambda module: knows_flask_or_the_database(module)
                         or (is_within(module, "eventapp")
                             and not is_within(module, "eventapp.util"))) == []


# --- the README's map -------------------------------------------------------------------


def where_things_live():
    """The README section "Where things live": its text, and the fenced block's lines."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Where things live\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 1)[1].split("```", 1)[0]
    return section, [line for line in block.splitlines() if line.strip()]


def listed_paths(lines):
    """Each line is `path  what it holds`; two more spaces of indent mean inside the folder
    on the nearest line above with less indent."""
    folders = []  # (indent, folder path) of the enclosing folders
    paths = []
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        token = line.split()[0]
        while folders and folders[-1][0] >= indent:
            folders.pop()
        path = (folders[-1][1] if folders else "") + token
        paths.append(path)
        if token.endswith("/"):
            folders.append((indent, path))
    return paths


def test_every_line_of_the_map_starts_with_a_path():
    _section, lines = where_things_live()
    assert lines
    not_paths = [line for line in lines if not re.fullmatch(r"[\w.-]+/?", line.split()[0])
                 or (len(line) - len(line.lstrip(" "))) % 2]
    assert not_paths == []


def test_every_path_in_where_things_live_exists():
    _section, lines = where_things_live()
    paths = listed_paths(lines)
    assert "eventapp/blueprints/organiser/events.py" in paths  # nesting is read as meant
    missing = [path for path in paths if not (ROOT / path).exists()
               or path.endswith("/") != (ROOT / path).is_dir()]
    assert missing == []


def test_every_module_of_the_app_is_on_the_map():
    """A module is on its own line, or named on its blueprint's line: "(routes.py, forms.py)"."""
    _section, lines = where_things_live()
    paths = set(listed_paths(lines))
    named = {path + name for line, path in zip(lines, listed_paths(lines)) if path.endswith("/")
             for name in re.findall(r"\w+\.py", line.split(None, 1)[-1])}
    unlisted = [str(path.relative_to(ROOT)) for path in python_files(PACKAGE)
                if path.name != "__init__.py"
                and str(path.relative_to(ROOT)) not in paths | named]
    assert unlisted == []


def test_every_function_the_readme_points_to_exists():
    section, _lines = where_things_live()
    pointers = re.findall(r"`([\w/]+)\.py::(\w+)`", section)
    named = {function for _path, function in pointers}
    assert {"_take_place", "build_message"} <= named
    missing = [f"{path}.py::{function}" for path, function in pointers
               if not hasattr(importlib.import_module(path.replace("/", ".")), function)]
    assert missing == []


def raised_names(path):
    """The names of the exceptions `path` raises (`raise X` and `raise X(...)`)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            yield ast.unparse(exc)


def test_services_say_not_found_with_the_domain_error_never_a_built_in_lookup_error():
    # A LookupError from a service used to become a 404; so did a KeyError bug in a route.
    built_in = {"LookupError", "KeyError", "IndexError"}
    found = sorted(f"{module_name(path)} raises {name}"
                   for path in python_files(PACKAGE / "services")
                   for name in raised_names(path) if name in built_in)
    assert found == []


# Imported only inside the function that needs them: each is megabytes in every web worker,
# and the public pages (and the benchmark's worker memory target, < 100 MB) never use them.
LOADED_WHERE_USED = {"ortools", "numpy", "pandas", "openpyxl", "fpdf", "icalendar",
                     # Flask-Migrate and Alembic: only the `flask db` commands (extensions.py)
                     "flask_migrate", "alembic", "mako"}


def test_the_public_pages_load_no_solver_export_or_calendar_library(sqlite_template, tmp_path):
    database = tmp_path / "pages.sqlite3"
    shutil.copy(sqlite_template, database)
    code = f"""
import sys
from config import TestConfig
from eventapp import create_app
from eventapp.demo import load_demo
app = create_app(TestConfig, {{"SQLALCHEMY_DATABASE_URI": "sqlite:///{database}"}})
with app.app_context():
    event, _created = load_demo()
    slug = event.slug
client = app.test_client()
for path in ("/", f"/events/{{slug}}", f"/events/{{slug}}/signup", "/healthz"):
    assert client.get(path).status_code == 200, path
print(sorted(set({sorted(LOADED_WHERE_USED)!r}) & {{m.split(".")[0] for m in sys.modules}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
