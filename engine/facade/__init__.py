"""The facade's rooms, composed by :class:`engine.service.Flowdeck` and named in :mod:`engine.api`.

- :mod:`engine.facade.launching`: :class:`Launcher`, runs started here (start, replay, continue from
  a snapshot), the live ones and their events;
- :mod:`engine.facade.control`: :class:`Control`, terminate / pause / resume wherever a run executes,
  returning :class:`ControlFuture`\\ s verified off the caller's thread;
- :mod:`engine.facade.queries`: :class:`Queries`, the reads of the run records.
"""
