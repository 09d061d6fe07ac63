"""Publishing: the approved final render(s) of the latest edit, with their sidecars, cover and a
``manifest.json``, copied into ``HOME/publish/SLUG/`` (:func:`~shortfilm.publish.final.publish`)."""
