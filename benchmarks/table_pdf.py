"""Benchmark: a long report table as PDF (the not-yet list, the people of an
assignment) — time, pages, size and peak memory by number of rows. Prints
figures; asserts nothing.

    .venv/bin/python benchmarks/table_pdf.py                       # 1,000 10,000 100,000 rows
    .venv/bin/python benchmarks/table_pdf.py --rows 5000 20000
    .venv/bin/python benchmarks/table_pdf.py --columns 7           # the assignment's people

It calls the builder, ``skillapp.pdf.table.table_pdf``, directly: the cap on
rows (``PDF_MAX_ROWS``) is the views' and does not apply here, so sizes beyond
it can be timed. Each size runs in a fresh Python process, so that its peak
memory (the process's maximum resident set, ``ru_maxrss``) is its own; "grown"
is that peak less the process's size just before the build (Python, reportlab,
the font and the rows already in memory).
"""

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time

FAMILY = ["髙橋", "山﨑", "佐藤", "鈴木", "渡邊", "齋藤", "伊藤", "中村"]
GIVEN = ["一郎", "花子", "健太", "美咲", "翔", "陽菜"]
UNITS = [
    "総務部総務課",
    "市民部市民課",
    "福祉部高齢者支援課地域包括ケア推進係",
    "こども未来部こども家庭センター母子保健担当（保健センター駐在）",
]
BANDS = ["部長・課長", "課長代理・係長・主任", "主査・主事"]


def table(n: int, columns: int, rng: random.Random) -> tuple[list[str], list[list]]:
    """The not-yet list (5 columns) or the people of an assignment (7)."""
    if columns == 5:
        headers = ["職員番号", "氏名", "所属", "職層", "最高点"]
    else:
        headers = ["職員番号", "氏名", "所属", "職層", "期限", "状況", "最高点"]
    rows = []
    for i in range(n):
        row = [
            f"{100000 + i}",
            f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
            rng.choice(UNITS),
            rng.choice(BANDS),
        ]
        if columns != 5:
            row += ["2027-03-31", rng.choice(["未着手", "受講中", "期限切れ"])]
        rows.append([*row, rng.choice(["", 40, 55, 69])])
    return headers, rows


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def one(n: int, columns: int) -> None:
    """Build one table in this process and print its figures as JSON."""
    from skillapp.pdf.fonts import register_fonts
    from skillapp.pdf.table import table_pdf

    register_fonts()
    headers, rows = table(n, columns, random.Random(1))
    before = current_mib()
    start, cpu = time.perf_counter(), time.process_time()
    data = table_pdf(
        "未修了の職員 — DXリテラシー",
        ["年度: 2026年度（令和8年度）", "名簿の基準日: 2027-03-31", "職層: すべて"],
        headers,
        rows,
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    pages = len(re.findall(rb"/Type /Page\b(?!s)", data))
    figures = {"seconds": seconds, "cpu": cpu, "pages": pages, "bytes": len(data)}
    print(json.dumps(figures | {"peak": peak_mib(), "grown": peak_mib() - before}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--columns", type=int, choices=(5, 7), default=5)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for one size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        one(args.one, args.columns)
        return
    print(f"table_pdf, {args.columns} columns, each size in its own process:")
    for n in args.rows:
        command = [sys.executable, __file__, "--one", str(n), "--columns", str(args.columns)]
        try:
            done = subprocess.run(  # noqa: S603 — this script, run again
                command, capture_output=True, text=True, timeout=args.timeout, check=True
            )
        except subprocess.TimeoutExpired:
            print(f"  {n:>8,} rows   not finished after {args.timeout:.0f} s")
            continue
        f = json.loads(done.stdout.splitlines()[-1])
        print(
            f"  {n:>8,} rows   {f['seconds']:7.2f} s (CPU {f['cpu']:6.2f} s)"
            f"   {f['cpu'] / n * 1e6:5.0f} µs/row"
            f"   {f['pages']:>6,} pages   {f['bytes'] / 2**20:7.1f} MiB"
            f"   peak {f['peak']:6.0f} MiB (grown {f['grown']:5.0f} MiB)"
        )


if __name__ == "__main__":
    main()
