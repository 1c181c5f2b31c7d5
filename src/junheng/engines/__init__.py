"""Pure algorithms of junheng. Nothing here imports Django (a test checks it).

Each module solves one problem on plain data (dataclasses, numpy arrays, data frames),
is deterministic given a seed, and has a file-level CLI in `junheng.commands`.
"""
