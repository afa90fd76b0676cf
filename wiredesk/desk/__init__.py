"""The editorial desk: what editors do to stored copy (kills and their undoing, for now): the
actions the admin and the command line share, and the admin's forms. No models of its own:
takedowns and the audit log are stored with the articles (stories). Above stories and
search: a kill withdraws articles and drops their index rows in one action."""
