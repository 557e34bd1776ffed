"""Replaces one generated section of bench/README.md.

usage: python3 bench/readme_section.py README NAME SECTION_FILE

The section is the text between the lines <!-- NAME:begin --> and
<!-- NAME:end -->; the README is left unchanged (exit 1) when it has no
such pair.
"""
import sys


def main():
    readme, name, section = sys.argv[1:4]
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = open(readme, encoding="utf-8").read()
    if begin not in text or end not in text or text.index(begin) > text.index(end):
        sys.exit(f"bench: {readme} has no {begin} ... {end} section")
    new = open(section, encoding="utf-8").read().rstrip("\n")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    open(readme, "w", encoding="utf-8").write(f"{head}{begin}\n{new}\n{end}{tail}")


if __name__ == "__main__":
    main()
