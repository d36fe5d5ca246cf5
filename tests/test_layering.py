"""The apps' import direction, as the README's layering states it.

accounts < schemes < matching, meetings, supervision, surveys < reports < demo: an app imports
only from its own layer or below (higher apps plug in through registries). Reports is a pure
reader: it may use other apps' selectors, access rules, health and disclosure modules, but never
their models, neither by import nor by a string reference ("meetings.Meeting",
apps.get_model("meetings", ...)).

The imports are read with `ast`, function-local ones included; tests are left out (they build the
whole cast). Each check is a function of a module's source, so the tests below can show each one
failing on a made-up module.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS = {
    "accounts": 0,
    "schemes": 1,
    "matching": 2,
    "meetings": 2,
    "supervision": 2,
    "surveys": 2,
    "reports": 3,
    # The demo data builds a whole trust from every app: nothing imports it but its command.
    "demo": 4,
}

# Reports files allowed to name another app's model, and why.
REPORTS_MODEL_EXCEPTIONS = {
    # A model's foreign key names the model it points to: schema, not a read.
    "reports/models.py": "the outcomes' foreign key to the organisation",
}

MODEL_REFERENCE = re.compile(r"^(?P<app>[a-z_]+)\.[A-Z]\w*$")


def _imported_modules(tree):
    """(line, absolute module name) of every import in the tree; relative ones are the app's own.

    "from meetings import models" is read as the module meetings.models.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if "." in node.module:
                yield node.lineno, node.module
            else:
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}"


def upward_imports(app, source):
    """[(line, module)] of the imports of `source` (a module of `app`) from a higher layer."""
    found = []
    for line, module in _imported_modules(ast.parse(source)):
        target = module.split(".")[0]
        if target in LAYERS and LAYERS[target] > LAYERS[app]:
            found.append((line, module))
    return sorted(set(found))


def _other_app(name):
    return name in LAYERS and name != "reports"


def reports_model_reads(source):
    """[(line, what)] of the places `source` (a reports module) names another app's model."""
    tree = ast.parse(source)
    found = []
    for line, module in _imported_modules(tree):
        parts = module.split(".")
        if _other_app(parts[0]) and len(parts) > 1 and parts[1] == "models":
            found.append((line, ".".join(parts[:2])))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = MODEL_REFERENCE.match(node.value)
            if match and _other_app(match["app"]):
                found.append((node.lineno, node.value))
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and _other_app(str(node.args[0].value).split(".")[0])
        ):
            found.append((node.lineno, f"get_model({node.args[0].value!r})"))
    return sorted(set(found))


def production_modules(app):
    """The app's modules but its tests and migrations, as paths relative to the repository."""
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        yield relative.as_posix(), path.read_text(encoding="utf-8")


# --- The tree holds the layering ----------------------------------------------------------------


@pytest.mark.parametrize("app", sorted(LAYERS))
def test_no_app_imports_from_a_higher_layer(app):
    found = {
        name: upward
        for name, source in production_modules(app)
        if (upward := upward_imports(app, source))
    }
    assert found == {}


def test_reports_reads_other_apps_only_through_their_selectors():
    found = {
        name: reads
        for name, source in production_modules("reports")
        if name not in REPORTS_MODEL_EXCEPTIONS and (reads := reports_model_reads(source))
    }
    assert found == {}


def test_each_reports_exception_is_still_needed():
    """An exception whose file no longer names another app's model must be struck off."""
    sources = dict(production_modules("reports"))
    for name in REPORTS_MODEL_EXCEPTIONS:
        assert reports_model_reads(sources[name]), f"{name} is clean: remove its exception"


# --- The checks can fail ------------------------------------------------------------------------


def test_an_import_from_a_higher_layer_is_caught():
    source = "from schemes.models import Organisation\n"
    assert upward_imports("accounts", source) == [(1, "schemes.models")]


def test_a_function_local_import_from_a_higher_layer_is_caught():
    source = "def f():\n    import reports.uptake\n    return reports.uptake\n"
    assert upward_imports("meetings", source) == [(2, "reports.uptake")]


def test_imports_from_the_same_layer_or_below_pass():
    source = (
        "from accounts.models import User\n"
        "from schemes import disclosure\n"
        "from matching.models import Pair\n"
        "from .models import Meeting\n"
    )
    assert upward_imports("meetings", source) == []


def test_reports_importing_another_apps_models_is_caught():
    source = "from meetings.models import Meeting\nfrom meetings import models\n"
    assert reports_model_reads(source) == [(1, "meetings.models"), (2, "meetings.models")]


def test_reports_naming_a_model_in_a_string_is_caught():
    source = (
        "from django.apps import apps\n"
        "Meeting = apps.get_model('meetings', 'Meeting')\n"
        "field = ForeignKey('meetings.Meeting', on_delete=None)\n"
    )
    assert reports_model_reads(source) == [
        (2, "get_model('meetings')"),
        (3, "meetings.Meeting"),
    ]


def test_reports_using_selectors_access_and_its_own_models_passes():
    source = (
        "from meetings.selectors import with_metadata\n"
        "from meetings.health import Health\n"
        "from schemes.access import organisation_for\n"
        "from schemes import disclosure\n"
        "from .models import TrainingOutcome\n"
        "label = 'reports.TrainingOutcome'\n"
    )
    assert reports_model_reads(source) == []
