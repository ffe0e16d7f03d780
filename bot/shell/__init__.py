"""The shell backend: an interactive console that drives the same commands as Slack.

Started by `python app.py` when no Slack credentials are set. Like Hubot's shell adapter or
Errbot's text backend, it lets anyone try the bot, or replay a demo script, without a
workspace: forms become prompts and whatever the bot would post is printed with the place it
went to.
"""
