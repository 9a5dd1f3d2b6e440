"""python -m core.engine --clear-cache: empty the explorer's disk cache."""

import argparse

from core.engine.cache import cache_root, default_cache


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.engine", description=__doc__)
    parser.add_argument("--clear-cache", action="store_true", help=f"delete the saved explorations ({cache_root()})")
    args = parser.parse_args(argv)
    if not args.clear_cache:
        parser.error("give --clear-cache")
    print(f"removed {default_cache().clear()} saved exploration(s) from {cache_root()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
