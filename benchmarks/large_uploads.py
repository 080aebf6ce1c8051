"""Benchmark: reading large spreadsheets, time and peak memory (issue 14.9).
Prints figures; asserts nothing.

    .venv/bin/python benchmarks/large_uploads.py
    .venv/bin/python benchmarks/large_uploads.py --compare OLD_SPREADSHEETS.py

Each file is read by ``skillapp.util.spreadsheets.read_grid`` with the default
limits (IMPORT_MAX_ROWS 200,000, IMPORT_MAX_COLUMNS 300, IMPORT_MAX_CELLS
3,000,000), in a fresh process each, so that the peak resident memory of that
process is the reading's own: the high-water mark of its resident memory
(VmHWM), and in brackets how much the reading added to what the imports
alone took (the "imports only" rows). ``--compare`` reads the same files
with another version of the module as well, e.g. the one before the streaming
reader: ``git show aeda4d3:skillapp/util/spreadsheets.py > /tmp/old.py``.

The files: the probe's two (a sheet of 1,048,575 data rows, Excel's maximum,
and a sheet of 16,384 columns, Excel's widest), 300,000 rows (refused at the
row limit rather than by its unpacked size), the largest roster the limits
accept (200,000 people as XLSX) and a 100,000-person roster as CSV. They are
written once into ``--dir`` (default: a folder under /tmp) and kept there.
"""

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["職員番号", "氏名", "所属", "職名", "雇用区分", "在籍"]
UNITS = ["総務部総務課", "企画部DX推進課", "市民部市民課", "福祉部福祉課", "建設部道路課"]
TITLES = ["部長", "課長", "係長", "主任", "主査", "主事"]


def person(i: int) -> list[str]:
    return [str(100000 + i), f"職員 {i}", UNITS[i % 5], TITLES[i % 6], "正規", "在籍"]


def write_xlsx(path: Path, rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def make_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "1,048,575 rows × 6 (XLSX)": (
            folder / "rows-1048575.xlsx",
            lambda p: write_xlsx(p, [HEADER, *(person(i) for i in range(1_048_575))]),
        ),
        "16,384 columns × 100 rows (XLSX)": (
            folder / "columns-16384.xlsx",
            lambda p: write_xlsx(
                p, [[f"Q{c}" for c in range(16_384)]] + [[str(r)] * 16_384 for r in range(100)]
            ),
        ),
        "300,000 rows × 6 (XLSX)": (
            folder / "rows-300000.xlsx",
            lambda p: write_xlsx(p, [HEADER, *(person(i) for i in range(300_000))]),
        ),
        "roster 200,000 × 6 (XLSX, the largest accepted)": (
            folder / "roster-200000.xlsx",
            lambda p: write_xlsx(p, [HEADER, *(person(i) for i in range(200_000))]),
        ),
        "roster 100,000 × 6 (CSV, CP932)": (folder / "roster-100000.csv", _write_csv),
    }
    made = {}
    for label, (path, write) in files.items():
        if not path.exists():
            start = time.perf_counter()
            write(path)
            print(f"  wrote {path.name} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        made[label] = path
    return made


def _write_csv(path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(person(i) for i in range(100_000))
    path.write_bytes(buffer.getvalue().encode("cp932"))


# Run in a child process: read one file with one implementation, report time,
# peak memory and what came of it.
CHILD = r"""
import importlib.util, json, sys, time
module_path, file_path = sys.argv[1], sys.argv[2]
if module_path == "-":
    from skillapp.util import spreadsheets
else:
    spec = importlib.util.spec_from_file_location("spreadsheets_under_test", module_path)
    spreadsheets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(spreadsheets)
import openpyxl
if module_path != "-":
    import pandas  # the version before read with pandas: its import is in its baseline


def high_water_mb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024


before = high_water_mb()
outcome = "baseline"
start = time.perf_counter()
if file_path != "-":
    data = open(file_path, "rb").read()
    try:
        grid, _ = spreadsheets.read_grid(data)
        outcome = f"read {len(grid) - 1:,} rows"
    except spreadsheets.SpreadsheetError as error:
        outcome = "refused: " + str(error.problems[0])[:90]
elapsed = time.perf_counter() - start
peak = high_water_mb()
figures = {"seconds": elapsed, "peak_mb": peak, "above_mb": peak - before}
print(json.dumps({**figures, "outcome": outcome}))
"""


def measure(module: str, file: str) -> dict:
    result = subprocess.run(  # noqa: S603 — this interpreter, this script's own code
        [sys.executable, "-c", CHILD, module, file], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "skillapp-big")
    parser.add_argument(
        "--compare", metavar="SPREADSHEETS_PY", help="another version of the module, also timed"
    )
    args = parser.parse_args()
    files = make_files(args.dir)
    versions = {"now": "-"}
    if args.compare:
        versions["compared"] = args.compare
    print("| file | size | version | time | peak memory (above the imports) | outcome |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for name, module in versions.items():
        base = measure(module, "-")
        print(f"| imports only | | {name} | | {base['peak_mb']:.0f} MB | |")
    for label, path in files.items():
        size = path.stat().st_size / 1024 / 1024
        for name, module in versions.items():
            figures = measure(module, str(path))
            print(
                f"| {label} | {size:.1f} MB | {name} | {figures['seconds']:.1f} s "
                f"| {figures['peak_mb']:.0f} MB ({figures['above_mb']:+.0f}) "
                f"| {figures['outcome']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
