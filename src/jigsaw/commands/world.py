"""``jigsaw world``: generate a synthetic partnership (or country) with known truth."""

from __future__ import annotations

import argparse
import os

from jigsaw.errors import InputError

HELP = "generate a synthetic world (children, agency records, concerns, outcomes, truth)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``jigsaw world``."""
    parser.add_argument("--children", type=int, default=None, help="number of children (10,000)")
    parser.add_argument("--areas", type=int, default=None, help="number of synthetic areas (4)")
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (0); same seed, same files"
    )
    parser.add_argument("--out", required=True, help="folder to write the tables into")
    parser.add_argument(
        "--england",
        action="store_true",
        help="use England's 153 local authorities, with children shared out by real population",
    )
    parser.add_argument(
        "--la",
        nargs="?",
        const="default",
        metavar="CODE",
        help="one area standing in for this English LA (GSS or DfE code), with its real "
        "characteristics and the --children given; --la alone: Derby (E06000015)",
    )
    parser.add_argument(
        "--config",
        help="YAML file of WorldConfig parameters (see docs/methods/world.md); options above win",
    )


def run(args: argparse.Namespace) -> int:
    """Generate the world and write each table as Parquet and CSV into ``--out``."""
    from jigsaw.world import WorldConfig, generate, load_config, write

    options = {
        name: getattr(args, name)
        for name in ("children", "areas", "seed")
        if getattr(args, name) is not None
    }
    if args.england:
        options["england"] = True
    if getattr(args, "la", None):
        from jigsaw.world._areas import DEFAULT_LA

        if args.areas is not None or args.england:
            raise InputError("--la makes one area: it cannot be combined with --areas or --england")
        options["la"] = DEFAULT_LA if args.la == "default" else args.la
    # Refuse an --out that is a file now, not after generating (minutes for a national run).
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise InputError(f"--out {args.out}: is a file, not a folder")
    if args.config:
        config = load_config(args.config, **options)
    else:
        config = WorldConfig(**options)
    if config.england and args.areas is not None:
        raise InputError("--areas cannot be combined with --england (England has 153 areas)")
    world = generate(config)
    paths = write(world, args.out)
    victims = int(world.children["exploited"].sum())
    identified = int(world.outcomes["identified"].sum())
    print(
        f"wrote {len(paths)} files to {args.out}: {len(world.children):,} children in "
        f"{len(world.areas)} areas, {len(world.records):,} records, {len(world.concerns):,} "
        f"concerns; {victims:,} exploited, {identified:,} identified"
    )
    return 0
