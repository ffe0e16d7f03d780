"""The Slack adapter: Bolt listeners in, Block Kit out."""
