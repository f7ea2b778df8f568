"""``bonsaic sweep``: grow many bonsai networks with different settings, keep the smallest proved one.

A sweep is a list of *trials*; each trial is ``train -> opt -> verify`` with the spec's ``model`` /
``train`` settings overridden by the trial's values. The pieces, each usable and testable alone:

* :mod:`.space`: the settings a trial may override (one table), parsing ``--set`` / ``--sample``,
  applying a trial's values to a spec;
* :mod:`.grid`: the trials of a sweep (grid x seeds, plus sampled values), each with a stable id;
* :mod:`.trial`: one trial, in whatever process runs it (the only module that reaches the trainer);
* :mod:`.store`: ``DIR/trials.jsonl`` (appended and fsync'd as results arrive), ``best.ir``, ``summary.md``;
* :mod:`.select`: which proved network is the best;
* :mod:`.runner`: running the trials on Ray (a local instance, or a cluster), retries, Ctrl-C;
* :mod:`.display`: the live table.

Only :mod:`.runner` imports Ray, and only when a sweep runs, so the rest needs neither Ray nor tinygrad.
"""
