"""Types at the seams: every public function of an app's services and selectors is annotated.

The services and selectors are what views, tasks and the other apps call; their signatures are the
contract between apps. mypy (run by `make test`, configured in pyproject.toml) checks the bodies of
these modules against those annotations; this test makes sure there is a signature to check, since
mypy reads an unannotated function as "anything goes". Private helpers (a leading underscore) are
checked by mypy too but may leave their parameters to inference.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEAMS = sorted(
    path
    for pattern in ("*/services.py", "*/selectors.py")
    for path in ROOT.glob(pattern)
    if ".venv" not in path.parts
)


def unannotated(source):
    """Names of public module-level functions with a parameter or return left unannotated."""
    missing = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name.startswith("_"):
            continue
        arguments = node.args
        parameters = [
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            *filter(None, [arguments.vararg, arguments.kwarg]),
        ]
        if node.returns is None or any(p.annotation is None for p in parameters):
            missing.append(node.name)
    return missing


def test_the_seams_are_found():
    names = {f"{path.parent.name}/{path.name}" for path in SEAMS}
    assert {"matching/services.py", "meetings/selectors.py", "surveys/services.py"} <= names


@pytest.mark.parametrize("path", SEAMS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_public_function_is_annotated(path):
    assert unannotated(path.read_text()) == []


def test_an_unannotated_public_function_is_caught():
    source = (
        "def pair_end(*, pair, reason: str) -> None: ...\n"
        "def _helper(x): ...\n"
        "def count(scheme: object) -> int: ...\n"
        "def listing(scheme: object): ...\n"
    )
    assert unannotated(source) == ["pair_end", "listing"]
