"""shortfilm: produce AI short films as a team, from a spec and an asset board to finished video."""

__version__ = "0.1.0"
