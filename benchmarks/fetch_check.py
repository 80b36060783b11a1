"""`renewml data fetch` on the real Top 10 files, served from a local server: time to download, check and install.

Run: python benchmarks/fetch_check.py [--raw DIR] [--repeat 3]

Serves the raw global file with its extension (one file, newest week first, as Netflix serves the current one),
the per-country file and the most-popular list from `DIR/netflix_top10/` (default: the raw folder beside the
repository) on 127.0.0.1, then times, best of `--repeat`: a first fetch into an empty folder, a second fetch
over it (old copies kept as .prev, every old week looked for), and the check alone of each file. Nothing is
asserted. The per-country file here covers 35 weeks; Netflix's current one covers about eight times as many,
and its check grows in proportion (it is one pass over the rows).
"""

from __future__ import annotations

import argparse
import http.server
import sys
import tempfile
import threading
import time
from pathlib import Path

# time the renewml of this checkout, not whichever one is installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def served_files(raw: Path) -> dict[str, bytes]:
    folder = raw / "netflix_top10"
    main = (folder / "all-weeks-global.tsv").read_bytes()
    extension = sorted(folder.glob("all-weeks-global_extension*.tsv"))
    newer = b"".join(path.read_bytes().split(b"\n", 1)[1].rstrip(b"\n") + b"\n" for path in extension)
    header, rows = main.split(b"\n", 1)
    return {
        "all-weeks-global.tsv": header + b"\n" + newer + rows,
        "all-weeks-countries.tsv": next(folder.glob("all-weeks-countries*.tsv")).read_bytes(),
        "most-popular.tsv": (folder / "most-popular.tsv").read_bytes(),
    }


class Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802
        body = self.files[self.path.lstrip("/")]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from renewml.data.fetch import TOP10_FORMATS, check_top10_file, fetch
    from renewml.data.raw import default_raw_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    raw = args.raw or default_raw_dir()
    if raw is None:
        sys.exit("no raw folder: pass --raw DIR")
    Handler.files = served_files(raw)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for name, body in Handler.files.items():
                path = Path(scratch) / name
                path.write_bytes(body)
                seconds = best(args.repeat, lambda p=path, n=name: check_top10_file(p, TOP10_FORMATS[n], n))
                rows = body.count(b"\n")
                print(f"check {name}: {len(body):,} bytes, ~{rows:,} rows, {seconds:.3f} s ({rows / seconds:,.0f} rows/s)")
            counter = iter(range(10_000))
            first = best(args.repeat, lambda: fetch(Path(scratch) / f"first{next(counter)}", url))
            print(f"first fetch of the three files into an empty folder: {first:.3f} s")
            target = Path(scratch) / "again"
            fetch(target, url)
            again = best(args.repeat, lambda: fetch(target, url))
            print(f"fetch over an earlier copy (kept as .prev, old weeks compared): {again:.3f} s")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
