"""``python -m jigsaw.evaluation --out DIR``: write the second generator's records and truth."""

from jigsaw.evaluation.messy import main

raise SystemExit(main())
