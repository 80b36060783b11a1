"""The README's output examples are run and compared with what the program prints now.

A ``` block whose first line starts with `$ renewml` holds commands (`$ ...` lines) each followed by
its expected stdout; a ```pycon block is a doctest. Lines are compared with runs of whitespace
collapsed, and a line that is only `...` stands for any number of lines. After a deliberate change
(a retrained model, new data), `python tests/test_readme.py --update` rewrites the examples from the
program's output; review the diff before committing it.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def cli_examples(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every `$ renewml ...` line of every console block."""
    examples: list[tuple[str, list[str]]] = []
    for language, body in BLOCK.findall(text):
        lines = body.splitlines()
        if language or not lines or not lines[0].startswith("$ renewml"):
            continue
        for line in lines:
            if line.startswith("$ "):
                examples.append((line[2:], []))
            else:
                examples[-1][1].append(line)
    return examples


def pycon_blocks(text: str) -> list[str]:
    return [body for language, body in BLOCK.findall(text) if language == "pycon"]


def normalise(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines if line.strip()]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` fits `expected`, where a `...` line stands for any number of lines."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if line == "..." else re.escape(line) + r"\n" for line in normalise(expected))
    return re.fullmatch(pattern, "".join(line + "\n" for line in normalise(actual))) is not None


def run_renewml(command: str) -> tuple[int, str]:
    """Run a README command in this process, as the console script would, at the width the README shows."""
    from renewml.cli import main

    args = shlex.split(command)
    assert args[0] == "renewml"
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(args[1:])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return code, out.getvalue()


EXAMPLES = cli_examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_output_examples():
    commands = [command.split()[1] for command, _ in EXAMPLES]
    assert "predict" in commands and "explain" in commands
    assert pycon_blocks(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_command_output_matches_the_program(command, expected, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.chdir(README.parent)  # paths in the examples are relative to the repository
    code, out = run_renewml(command)
    assert code == 0
    assert matches(expected, out.splitlines()), "README shows:\n" + "\n".join(expected) + f"\n\nthe program prints:\n{out}"


@pytest.mark.parametrize("index", range(len(pycon_blocks(README.read_text(encoding="utf-8")))))
def test_readme_python_examples_run_as_shown(index):
    body = pycon_blocks(README.read_text(encoding="utf-8"))[index]
    parser = doctest.DocTestParser()
    test = parser.get_doctest(body, {}, f"README.md pycon block {index + 1}", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=sys.stdout.write)
    assert runner.summarize(verbose=False).failed == 0


@pytest.mark.parametrize(
    ("expected", "actual", "fits"),
    [
        (["a  b", "..."], ["a b", "c", "d"], True),
        (["a", "...", "d"], ["a", "b", "c", "d"], True),
        (["a", "...", "d"], ["a", "b", "c"], False),
        (["a", "b"], ["a", "b", "c"], False),
        (["a"], ["a x"], False),
    ],
)
def test_ellipsis_lines_stand_for_any_number_of_lines(expected, actual, fits):
    assert matches(expected, actual) is fits


def bash_blocks(text: str) -> list[str]:
    return [body.strip() for language, body in BLOCK.findall(text) if language == "bash"]


def test_quickstart_is_two_commands():
    text = README.read_text(encoding="utf-8")
    quickstart = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert bash_blocks(quickstart) == [
        'pip install -e ".[dev]" && renewml predict "His & Hers"',
        'pip install -e ".[dev]" && python -m pytest',
    ]


def test_the_headless_notebook_command_comes_with_the_install():
    """`jupyter execute` is nbclient's, a dev dependency; the notebook runs themselves are in test_notebooks."""
    assert "jupyter execute notebooks/02_retrain.ipynb --output output/{notebook_name}" in bash_blocks(
        README.read_text(encoding="utf-8")
    )
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "jupyter-execute").exists() or (bin_dir / "jupyter-execute.exe").exists()


def test_the_fast_subset_is_documented():
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert 'python -m pytest -m "not slow"' in text


class _Recorder(doctest.DocTestRunner):
    """Runs a doctest and keeps what each example printed, to write it back as the expected output."""

    def __init__(self) -> None:
        super().__init__(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        self.got: dict[int, str] = {}

    def report_failure(self, out, test, example, got):  # noqa: ANN001 - doctest's signature
        self.got[id(example)] = got

    def report_unexpected_exception(self, out, test, example, exc_info):  # noqa: ANN001
        raise exc_info[1]


def _rewrite_pycon(body: str) -> str:
    test = doctest.DocTestParser().get_doctest(body, {}, "README.md", str(README), 0)
    recorder = _Recorder()
    recorder.run(test, out=lambda text: None)
    lines = []
    for example in test.examples:
        source = example.source.rstrip("\n").split("\n")
        lines += [">>> " + source[0], *("... " + line for line in source[1:])]
        want = recorder.got.get(id(example), example.want)
        lines += want.rstrip("\n").split("\n") if want.strip() else []
    return "\n".join(lines)


def update(path: Path = README) -> None:
    """Rewrite every example's output from the program (console outputs whole, with no `...`)."""
    import os

    os.environ["COLUMNS"] = "120"
    text = path.read_text(encoding="utf-8")

    def rewrite(match: re.Match) -> str:
        language, body = match.group(1), match.group(2)
        if language == "pycon":
            return "```pycon\n" + _rewrite_pycon(body) + "\n```"
        if language or not body.startswith("$ renewml"):
            return match.group(0)
        lines = []
        for command in [line[2:] for line in body.splitlines() if line.startswith("$ ")]:
            lines.append(f"$ {command}")
            lines.extend(line.rstrip() for line in run_renewml(command)[1].splitlines())
        return "```\n" + "\n".join(lines) + "\n```"

    path.write_text(BLOCK.sub(rewrite, text), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_readme.py --update")
    update()
