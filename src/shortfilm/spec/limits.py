"""How big a spec or script file may be: bounds far above any real short film, yet bounds.

A spec comes from a person, a shared template or a download, and every later stage (the store,
prompts, the board, the web pages) walks all of it. Without ceilings one file could hold the
process for minutes or exhaust its memory: a few hundred bytes of YAML aliases expand to billions
of nodes, a deep ``[[[[...`` overflows the recursion limit, ten thousand clips fill the store.
So the reader refuses, with the limit in the message, before it spends time or memory.

The example film (4 clips, 2 characters, 12 KB of YAML, 430 values) is the yardstick: each
limit is many times what it uses. Change a limit here; every reader takes it from this module.
"""

from __future__ import annotations

MAX_SPEC_BYTES = 1024 * 1024
"""Bytes in a spec or script file (1 MiB); checked before the file is read or parsed."""

MAX_YAML_NODES = 50_000
"""Values in one YAML document, each alias counted as the whole value it repeats (so an alias
bomb is refused while it is being read, not after it has been expanded)."""

MAX_YAML_ALIASES = 500
"""Uses of ``*anchor`` in one YAML document."""

MAX_YAML_DEPTH = 32
"""Nesting of mappings and lists; a spec needs 6."""

MAX_CLIPS = 200
"""Clips in a spec (and entries in ``edit.clips``): 200 clips of 15 s is 50 minutes."""

MAX_CHARACTERS = 50
"""Characters on the board."""

MAX_ENVIRONMENT_VIEWS = 50
"""Environment views on the board."""

MAX_BOARD_REFERENCES = 50
"""Extra images in ``board.references``."""

MAX_BEATS = 500
"""Story beats in a script."""

MAX_CHANNELS = 20
"""Publishing channels (and so ``edit.loudness`` targets)."""

MAX_PALETTE = 32
"""Colours in the board's palette."""

MAX_PROMPT_LINES = 100
"""Lines in the board's ``consistency`` and ``negative`` blocks, each."""

MAX_CAPTIONS = 1000
"""Entries in ``edit.captions`` and ``edit.lower_thirds``, each."""

MAX_SFX = 1000
"""Sound-effect cues in ``edit.sfx``."""

MAX_TEXT_CHARS = 20_000
"""Characters in one text field (a logline, a shot's action, a caption ...)."""

MAX_PATH_CHARS = 1024
"""Characters in one file path a spec names."""

MAX_VARIANTS = 200
"""Variants in ``campaign.variants``: a campaign posts a film a few dozen ways at most."""

MAX_HASHTAGS = 100
"""Hashtags of one variant (platforms take 5 to 60; lint says which)."""
