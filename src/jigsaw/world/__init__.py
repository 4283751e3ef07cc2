"""The synthetic world: whole partnerships (and countries) of children with known truth.

``generate()`` returns areas, children, agency records, concerns, outcomes and the truth that
links every record to its child; ``write()`` saves them as Parquet and CSV. Every parameter is a
field of :class:`WorldConfig`, whose defaults are sourced in ``docs/methods/world.md``.
"""

from jigsaw.world._config import AGENCIES, WorldConfig, load_config
from jigsaw.world._generate import TABLES, World, generate, write

__all__ = ["AGENCIES", "TABLES", "World", "WorldConfig", "generate", "load_config", "write"]
