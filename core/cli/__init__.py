"""The command lines that span several packages: they sit above the packages they drive, so
that none of those packages imports another back through its command line (tests/test_imports.py).

    core.cli.evaluate   python -m core.evaluate: curves, FMN, corruptions, mechanism, seed study
"""
