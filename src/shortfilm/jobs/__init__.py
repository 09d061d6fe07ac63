"""Jobs: long steps started from the web app or ``shortfilm run --detach``, carried out by a
Celery worker when ``SHORTFILM_BROKER_URL`` names a broker, else by a thread of the process that
asked (one machine, zero set-up: the behaviour of every command stays as it was).

- :mod:`shortfilm.jobs.work` says what each kind of job does;
- :mod:`shortfilm.jobs.runner` carries one job out and records its state, wherever it runs;
- :mod:`shortfilm.jobs.queues` records a job and hands it to a runner;
- :mod:`shortfilm.jobs.celery_app` is the Celery app (``celery -A shortfilm.jobs.celery_app``).
"""
