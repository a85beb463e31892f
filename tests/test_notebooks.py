"""The tutorial notebooks run top to bottom, so they can never go stale.

Each ``notebooks/*.ipynb`` is read as JSON and its code cells are executed in order in one
fresh namespace, with ``notebooks/`` as the working directory and matplotlib on the
non-interactive Agg backend (``plt.show()`` is then a no-op). A failing cell is reported with
its number and source. The committed files carry no outputs, so they stay small and diffable.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import traceback

import pytest

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
MIN_MARKDOWN_CELLS = 4


def _load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def run_notebook(path: pathlib.Path) -> dict:
    """Execute the code cells of ``path`` in order; return the namespace they ran in."""
    nb = _load(path)
    namespace: dict = {"__name__": "__main__", "__file__": str(path)}
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        for number, cell in enumerate(code_cells, 1):
            source = _source(cell)
            try:
                code = compile(source, f"{path.name}, code cell {number}", "exec")
                exec(code, namespace)  # noqa: S102 - running the tutorial is the test
            except Exception as exc:
                pytest.fail(
                    f"{path.name}: code cell {number} raised {type(exc).__name__}: {exc}\n"
                    f"--- cell {number} ---\n{source}\n--- traceback ---\n"
                    f"{traceback.format_exc()}",
                    pytrace=False,
                )
    finally:
        os.chdir(cwd)
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
    return namespace


def test_there_are_notebooks():
    assert len(PATHS) >= 7, [p.name for p in PATHS]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_top_to_bottom(path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg", force=True)
    import lamina as lm  # noqa: PLC0415

    # Every setting as it was, whatever a notebook changes (they use override(), but a
    # failing cell may leave one set).
    with lm.config.override(**{name: getattr(lm.config, name) for name in lm.config._fields}):
        run_notebook(path)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_committed_clean_with_prose(path):
    nb = _load(path)
    assert nb["nbformat"] == 4
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert kinds.count("markdown") >= MIN_MARKDOWN_CELLS, (path.name, kinds.count("markdown"))
    assert kinds[0] == "markdown" and _source(nb["cells"][0]).startswith("# "), (
        f"{path.name} should open with a markdown title cell")
    for number, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, (
                f"{path.name}: cell {number} has outputs; clear them before committing "
                "(Jupyter: Edit > Clear All Outputs)")
            assert _source(cell).strip(), f"{path.name}: cell {number} is empty"


def _write_notebook(path: pathlib.Path, *cells: tuple[str, str]) -> pathlib.Path:
    nb = {"cells": [{"cell_type": kind, "metadata": {}, "source": source,
                     **({"execution_count": None, "outputs": []} if kind == "code" else {})}
                    for kind, source in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


def test_runner_shares_one_namespace_in_the_notebook_folder(tmp_path):
    path = _write_notebook(
        tmp_path / "ok.ipynb",
        ("markdown", "# title"),
        ("code", ["import os\n", "x = 2\n"]),
        ("markdown", "text"),
        ("code", "y = x * 21\nwhere = os.getcwd()"),
    )
    namespace = run_notebook(path)
    assert namespace["y"] == 42
    assert pathlib.Path(namespace["where"]) == tmp_path
    assert pathlib.Path.cwd() != tmp_path  # restored


def test_runner_reports_the_failing_cell_number_and_source(tmp_path):
    path = _write_notebook(
        tmp_path / "bad.ipynb",
        ("code", "a = 1"),
        ("markdown", "the next cell fails"),
        ("code", "b = a + undefined_name"),
        ("code", "never = True"),
    )
    with pytest.raises(pytest.fail.Exception) as info:
        run_notebook(path)
    message = str(info.value)
    assert "bad.ipynb: code cell 2 raised NameError" in message
    assert "b = a + undefined_name" in message
