"""A minimal Dagster code location: what the dev and acc stacks build and deploy."""

import os

from dagster import Definitions, asset


@asset
def greeting() -> str:
    """Says which branch this code location was built from."""
    return f"Hello from {os.environ.get('BRANCH_NAME', 'an unknown branch')}"


defs = Definitions(assets=[greeting])
