"""What the bot does, written once for every platform. No platform SDK is imported here."""
