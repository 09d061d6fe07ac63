"""The team web app (``shortfilm serve``): review boards, takes and the edit in a browser.

Routes translate HTTP to the workflow and back: pages read the store through
:mod:`shortfilm.web.read_model`, and every write goes through :mod:`shortfilm.workflow`
functions, whose rules (checkpoints, roles, revisions) are the same as at the command line.
"""
