"""The Microsoft Teams adapter: Bot Framework activities in, Adaptive Cards out.

Every botbuilder import lives in this package (botbuilder-python is archived; moving to the
Microsoft 365 Agents SDK touches this package alone).
"""
