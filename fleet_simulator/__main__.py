"""Run the simulator: python -m fleet_simulator [--port 8765] [--sites 1] ..."""

import argparse
from collections.abc import Sequence

from aiohttp import web

from .app import create_app
from .state import REGIONS, SimulatorConfig


def parse_args(argv: Sequence[str] | None = None) -> tuple[str, int, SimulatorConfig]:
    """Return the host, the port and the configuration the options ask for."""
    parser = argparse.ArgumentParser(
        prog="python -m fleet_simulator", description="Tesla Fleet API simulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--sites", type=int, default=1)
    parser.add_argument("--wall-connectors", type=int, default=1)
    parser.add_argument("--time-zone", default="America/Los_Angeles")
    parser.add_argument("--region", default="na", choices=REGIONS)
    parser.add_argument(
        "--base-url", help="URL to advertise (default: the host of each request)"
    )
    parser.add_argument(
        "--require-registration",
        action="store_true",
        help="answer 412 until a partner domain is registered (onboarding demo)",
    )
    args = parser.parse_args(argv)
    try:
        config = SimulatorConfig(
            base_url=args.base_url,
            sites=args.sites,
            wall_connectors=args.wall_connectors,
            time_zone=args.time_zone,
            region=args.region,
            require_registration=args.require_registration,
        )
    except (ValueError, KeyError) as err:
        parser.error(str(err))
    return args.host, args.port, config


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted, after printing the URL."""
    host, port, config = parse_args(argv)
    url = f"http://{host}:{port}"

    def announce(*_args: object, **_kwargs: object) -> None:
        print(f"Fleet API simulator on {url}", flush=True)  # noqa: T201

    web.run_app(create_app(config), host=host, port=port, print=announce)


if __name__ == "__main__":
    main()
