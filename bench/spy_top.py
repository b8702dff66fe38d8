"""Summarise py-spy's folded stacks (``--format raw``, as ``invoke_bench.py --profile`` writes
them): samples per thread, then the functions with the most samples inclusive and self.

    python bench/spy_top.py PROFILE.txt [--top 30] [--thread MainThread] [--match teams_bot/]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_THREAD = re.compile(r"^(thread \(0x[0-9A-Fa-f]+\)|process \d+:.*)$")


def parse(path: Path) -> list[tuple[list[str], int]]:
    """Each stack (outermost frame first) with its sample count."""
    stacks = []
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((frames.split(";"), int(count)))
    return stacks


def thread_of(frames: list[str]) -> str:
    for frame in frames[:2]:
        if _THREAD.match(frame) or frame.startswith("thread"):
            return frame
    return "?"


def summarise(stacks: list[tuple[list[str], int]], top: int, match: str) -> None:
    total = sum(count for _, count in stacks)
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks:
        code = [f for f in frames if match in f] if match else frames
        for frame in dict.fromkeys(code):
            inclusive[_short(frame)] += count
        if frames:
            own[_short(frames[-1])] += count
    print(f"{total} samples")
    print(f"\ninclusive ({match or 'all frames'}):")
    for frame, count in inclusive.most_common(top):
        print(f"  {count / total:6.1%}  {frame}")
    print("\nself:")
    for frame, count in own.most_common(top):
        print(f"  {count / total:6.1%}  {frame}")


def _short(frame: str) -> str:
    return re.sub(r"\(/[^)]*?/(site-packages|perf)/", "(", frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--thread", default="", help="only threads whose frame contains this")
    parser.add_argument("--match", default="", help="inclusive: only frames containing this")
    args = parser.parse_args()
    stacks = parse(args.profile)
    threads: Counter[str] = Counter()
    for frames, count in stacks:
        threads[thread_of(frames)] += count
    for name, count in threads.most_common():
        print(f"{count:8d}  {name}")
    if args.thread:
        stacks = [(f, c) for f, c in stacks if args.thread in thread_of(f)]
    summarise(stacks, args.top, args.match)


if __name__ == "__main__":
    main()
