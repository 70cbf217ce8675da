"""The `tandem` command. Thin: it hands each subcommand to the code that does the work.

`tandem attribution PATHS.csv …` runs without a database (its ledger form, with --from/--to,
sets Django up itself: tandem.attribution.cli); every other subcommand is a Django
management command (`tandem demo`, `tandem serve`, `tandem worker`, `tandem taxonomy …`,
`tandem migrate`, …).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "attribution":
        from tandem.attribution_cli import main as attribution_main

        return attribution_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tandem", *(args or ["help"])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
