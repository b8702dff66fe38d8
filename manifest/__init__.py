"""Assets of the Teams app package: the manifest template and its two icons.

``teams_bot.manifest`` reads them through ``importlib.resources``; ``make_icons.py`` (dev-time,
needs Pillow) regenerates the PNGs; ``validate/`` holds the npm schema validator the tests run.
"""
