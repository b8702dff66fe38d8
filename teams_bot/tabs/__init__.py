"""The DRP tab in Teams: My disputes, the dashboard, a dispute, its case record and the quarterly
report, server-rendered by the bot's own aiohttp app under ``/tabs/``."""
