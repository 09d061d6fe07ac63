"""The library: every production of the home, searchable (:mod:`shortfilm.library.search`)."""
