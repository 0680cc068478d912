"""The write stage: every file a person reads — the template, the run's workbooks, feedback and upward report, annotated copies, the 通报, terminal text — laid out from figures computed elsewhere."""
