"""Shared fixtures: the shipped dataset and model, and the raw sources when they are beside the repo."""

from __future__ import annotations

import http.server
import shutil
import threading
import urllib.parse
from pathlib import Path

import pytest

from renewml import config
from renewml.data.raw import default_raw_dir

TESTS_DIR = Path(__file__).resolve().parent
FIXTURES = TESTS_DIR / "fixtures"


@pytest.fixture(scope="session")
def dataset():
    from renewml.data import load_dataset

    return load_dataset(config.DATASET_PATH)


@pytest.fixture(scope="session")
def shipped_model():
    from renewml.model import load_default_model

    return load_default_model()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    found = default_raw_dir()
    if found is None:
        pytest.skip("raw public sources are not beside the repository")
    return found


@pytest.fixture()
def run_cli(capsys):
    """Run the console entry point in-process; return (exit code, stdout, stderr)."""
    from renewml.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture()
def model_copy(tmp_path) -> Path:
    """A copy of the shipped model and its card in a temporary folder, free to damage."""
    from renewml.model import card_path

    target = tmp_path / "renewml.npz"
    shutil.copy(config.MODEL_PATH, target)
    shutil.copy(card_path(config.MODEL_PATH), card_path(target))
    return target


class _ServedHandler(http.server.BaseHTTPRequestHandler):
    """Serves `server.files[name]`: bytes, or (bytes, status, declared Content-Length) to imitate a bad server."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        served = self.server.files.get(urllib.parse.unquote(self.path.lstrip("/")))  # type: ignore[attr-defined]
        if served is None:
            self.send_error(404, "Not Found")
            return
        body, status, declared = served if isinstance(served, tuple) else (served, 200, None)
        self.send_response(status)
        self.send_header("Content-Type", "text/tab-separated-values")
        self.send_header("Content-Length", str(declared if declared is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def top10_server():
    """A local HTTP server on 127.0.0.1 (a free port) serving the dict `server.files`; `server.url` is its base."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ServedHandler)
    server.files = {}
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()
