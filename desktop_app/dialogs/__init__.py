"""The console's modal dialogs: run, terminate, replay, settings, and the error box.

Every dialog takes the data it shows as arguments (or reads it through a
:class:`desktop_app.tasks.TaskRunner`), so none blocks the GUI thread on the
engine, the database or the network.
"""
