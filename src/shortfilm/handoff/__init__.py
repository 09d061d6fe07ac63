"""Hand-off to other tools: translations of shortfilm's data to and from their file formats.

Each module is an adapter at the edge: it knows one outside format and the domain, never the
store; the workflow gives it paths and ids. Importing this package loads no format library.
"""
