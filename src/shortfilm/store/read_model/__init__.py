"""The one read model of a production: every page, ``status``, the report and the checklist read
it, and it returns frozen domain types (:mod:`shortfilm.domain.page_views`,
:mod:`shortfilm.domain.checklist`, :mod:`shortfilm.domain.production_state`).

- :mod:`.standings`: each subject's standing, its reviews and comments;
- :mod:`.checkpoints`: the production as the checklist and the staleness rules see it;
- :mod:`.overview`: the productions list, the dashboard, the activity and the review page;
- :mod:`.pages`: the board, clip and edit pages;
- :mod:`.state`: the whole production for ``status``, the report and the cost report.
"""
