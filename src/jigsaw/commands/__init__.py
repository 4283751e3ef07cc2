"""Sub-commands of the ``jigsaw`` command line.

Each module here defines ``HELP`` (one line), ``configure(parser)`` and ``run(args) -> int``. Modules
import only :mod:`argparse` at import time and load their heavy dependencies inside ``run`` so that
``jigsaw --help`` stays fast and a command never pulls in another layer's dependencies.
"""
