"""The production spec: the YAML file a person writes, read into and written from the domain.

``load_spec`` is the only way a spec enters the system, so it validates everything (shape,
values, referenced images) and answers with one ``file:line: field: message`` error.
``dump_spec`` writes the inverse; ``load_spec(dump_spec(p))`` gives back an equal production.
"""

from shortfilm.spec.dump import dump_spec, spec_to_dict
from shortfilm.spec.load import SPEC_FILENAME, load_spec

__all__ = ["SPEC_FILENAME", "dump_spec", "load_spec", "spec_to_dict"]
