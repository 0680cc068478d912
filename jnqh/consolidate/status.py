"""The statuses a weekly run gives files and circles, as run.json and the history store spell them.

Apart from :mod:`jnqh.consolidate.model` so that what reads a stored summary (an unchanged
rerun's closing text) needs nothing else.
"""

# File statuses in the run (文件清单)
FILE_ACCEPTED = "accepted"  # read; at least one of its circles counted
FILE_SUPERSEDED = "superseded"  # read; every circle in it replaced by a newer submission
FILE_UNREADABLE = "unreadable"
FILE_NO_CIRCLES = "no_circles"  # read; only a project list or nothing matched
FILE_CONVERT = "convert"  # .csv / .ods: save as .xlsx

# Circle statuses
CIRCLE_ACCEPTED = "accepted"
CIRCLE_SUPERSEDED = "superseded"
CIRCLE_UNMATCHED = "unmatched"  # not in the registry: listed for the office, not counted
