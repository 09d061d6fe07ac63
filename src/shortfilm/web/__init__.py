"""The team web app (``shortfilm serve``): review boards, takes and the edit in a browser.

Routes translate HTTP to the workflow and back: pages read the store through
:mod:`shortfilm.store.read_model`, and every write goes through the stages' functions
(:mod:`shortfilm.review`, :mod:`shortfilm.takes`, ...), whose rules (checkpoints, roles,
revisions) are the same as at the command line.
"""
