"""Platform adapters (Slack, shell), the web server and the scheduler."""
