"""Notebooks are code: each is executed with small parameters, and committed without outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from renewml import config

NOTEBOOKS = sorted((config.REPO_ROOT / "notebooks").glob("*.ipynb"))
PARAMETERS = {
    "01_explore_data.ipynb": {"SHOW_PLOTS": False},
    "02_retrain.ipynb": {"REBUILD": False, "SHOWS": ["His & Hers", "Kaos"], "HYPERPARAMETERS": {"max_iter": 60}},
    "03_what_if.ipynb": {"SHOW": "Kaos", "SEASON": 1, "VIEW_POINTS": 8},
}


KERNEL = "renewml-tests"


@pytest.fixture(autouse=True)
def kernel_of_this_interpreter(tmp_path_factory, monkeypatch):
    """A kernelspec that runs this very interpreter, so notebooks import the renewml under test."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(root))


def run_notebook(path: Path, parameters: dict[str, object], workdir: Path) -> nbformat.NotebookNode:
    """Execute like papermill: a cell with the overrides goes right after the 'parameters' cell."""
    notebook = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    overrides = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(overrides))
    client = NotebookClient(
        notebook, timeout=300, kernel_name=KERNEL, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    return notebook


def test_there_are_three_notebooks():
    assert [p.name for p in NOTEBOOKS] == list(PARAMETERS)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    parameters = dict(PARAMETERS[path.name])
    if path.name == "02_retrain.ipynb":
        parameters["OUTPUT_DIR"] = str(tmp_path / "output")
    notebook = run_notebook(path, parameters, tmp_path)
    if path.name == "02_retrain.ipynb":
        last = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
        assert "ongoing: candidate is" in last and "shipped on ROC AUC" in last  # the paired verdict, last
        assert (tmp_path / "output" / "retrained.npz").is_file() and (tmp_path / "output" / "retrained.joblib").is_file()
        card = json.loads((tmp_path / "output" / "retrained.card.json").read_text())
        assert card["hyperparameters"]["max_iter"] == 60  # the parameters cell reaches the model


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_notebook_02_runs_twice_in_a_fresh_copy_and_leaves_git_clean(tmp_path, monkeypatch):
    """With its own parameters: writes only to the git-ignored notebooks/output/, and a second run works."""
    if shutil.which("git") is None or not (config.REPO_ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    repo = tmp_path / "repo"
    files = _git(config.REPO_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    for name in filter(None, files):
        source = config.REPO_ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "copy")
    monkeypatch.setenv("PYTHONPATH", str(repo))  # the kernel imports the copy, so config.REPO_ROOT is the copy
    notebook = repo / "notebooks" / "02_retrain.ipynb"
    for _ in range(2):
        run_notebook(notebook, {"SHOWS": ["Kaos"], "HYPERPARAMETERS": {"max_iter": 40}}, notebook.parent)
    assert (repo / "notebooks" / "output" / "retrained.npz").is_file()
    assert _git(repo, "status", "--porcelain") == ""


@pytest.mark.slow
def test_a_failing_cell_fails_the_run(tmp_path):
    broken = tmp_path / "broken.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("# parameters\nX = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import renewml\nrenewml.find_show(renewml.load_dataset(), 'No Such Show')"),
    ]
    nbformat.write(notebook, broken)
    with pytest.raises(CellExecutionError, match="NotFoundError"):
        run_notebook(broken, {}, tmp_path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_notebooks_have_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert any("parameters" in c.metadata.get("tags", []) for c in notebook.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_define_no_pipeline_code(path):
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    for forbidden in ("HistGradientBoostingClassifier", "ColumnTransformer", "Pipeline(", "CalibratedClassifierCV"):
        assert forbidden not in source


@pytest.mark.slow
def test_the_readme_notebook_command_keeps_the_executed_copy(tmp_path):
    """The README's headless command, run from a fresh clone, leaves notebook 02 with its outputs under the
    git-ignored notebooks/output/ (the folder is in git, empty)."""
    import re

    readme = (config.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^(jupyter execute notebooks/02_retrain\.ipynb .*)$", readme, re.MULTILINE).group(1)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(config.REPO_ROOT), str(clone)], check=True)
    assert (clone / "notebooks" / "output" / ".gitignore").is_file()
    jupyter = Path(sys.executable).with_name("jupyter")
    argv = [str(jupyter), *command.split()[1:], "--kernel_name", KERNEL]
    subprocess.run(argv, cwd=clone, check=True, capture_output=True, timeout=600)
    executed = nbformat.read(clone / "notebooks" / "output" / "02_retrain.ipynb", as_version=4)
    assert "candidate is" in "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == ""
